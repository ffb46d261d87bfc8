/** Date arithmetic in MintPy's conventions (YYYYMMDD strings; years = days / 365.25). */

const DATE_RE = /^(\d{4})(\d{2})(\d{2})$/;

export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** Accepts YYYYMMDD, YYYY-MM-DD or YYMMDD (ROI_PAC) and returns YYYYMMDD, or throws. */
export function normalizeDate(s: string): string {
  let t = s.trim().replace(/-/g, "");
  if (/^\d{6}$/.test(t)) t = (Number(t.slice(0, 2)) < 50 ? "20" : "19") + t;
  if (!isDate(t)) throw new Error(`not a date: "${s}"`);
  return t;
}

export function dateToUtcMs(d: string): number {
  return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8));
}

export function dateToJs(d: string): Date {
  return new Date(dateToUtcMs(d));
}

export function jsToDate(d: Date): string {
  const y = d.getUTCFullYear();
  const m = String(d.getUTCMonth() + 1).padStart(2, "0");
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${y}${m}${day}`;
}

export function daysBetween(a: string, b: string): number {
  return Math.round((dateToUtcMs(b) - dateToUtcMs(a)) / 86_400_000);
}

/** Temporal baselines from the first date in years (ifgram_inversion: days / 365.25). */
export function tbaseYears(dates: string[]): Float64Array {
  const out = new Float64Array(dates.length);
  for (let i = 0; i < dates.length; i++) out[i] = daysBetween(dates[0], dates[i]) / 365.25;
  return out;
}

/** Decimal years as MintPy's ptime.yyyymmdd2years: year + (day of year − 1) / 365.25. */
export function decimalYear(d: string): number {
  const y = +d.slice(0, 4);
  const doy = daysBetween(`${y}0101`, d) + 1;
  return y + (doy - 1) / 365.25;
}

export function month(d: string): number {
  return +d.slice(4, 6);
}
