/**
 * Dates. Acquisition dates travel as strings, either MintPy's YYYYMMDD or ISO YYYY-MM-DD; both are
 * accepted everywhere. Decimal years are MintPy's (`ptime.yyyymmdd2years`: year + (day of year − 1) /
 * 365.25), the definition every comparison with MintPy or the papers' figures uses; spans in years are
 * days / 365.25 as MintPy's time functions use.
 */
export const DAY_MS = 86_400_000;
export const YEAR_DAYS = 365.25;
export const MS_PER_YEAR = YEAR_DAYS * DAY_MS;

const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;

/** Milliseconds since the epoch (UTC midnight) of a YYYYMMDD or YYYY-MM-DD date; throws on anything else. */
export function parseDate(d: string): number {
  const m = COMPACT.exec(d) ?? ISO.exec(d);
  if (!m) throw new Error(`not a date (YYYYMMDD or YYYY-MM-DD): "${d}"`);
  const y = +m[1];
  const mo = +m[2];
  const day = +m[3];
  const t = Date.UTC(y, mo - 1, day);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== day) throw new Error(`not a calendar date: "${d}"`);
  return t;
}

export function isDate(d: string): boolean {
  try {
    parseDate(d);
    return true;
  } catch {
    return false;
  }
}

/** YYYYMMDD of a date in either form. */
export function compactDate(d: string): string {
  return new Date(parseDate(d)).toISOString().slice(0, 10).replaceAll("-", "");
}

/** YYYY-MM-DD of a date in either form. */
export function isoDate(d: string): string {
  return new Date(parseDate(d)).toISOString().slice(0, 10);
}

export function daysBetween(a: string, b: string): number {
  return Math.round((parseDate(b) - parseDate(a)) / DAY_MS);
}

/** MintPy's decimal year: year + (day of year − 1) / 365.25. */
export function decimalYear(d: string): number {
  const t = parseDate(d);
  const y = new Date(t).getUTCFullYear();
  return y + Math.round((t - Date.UTC(y, 0, 1)) / DAY_MS) / YEAR_DAYS;
}

/** Years since `ref` (default the first date), days / 365.25. */
export function yearsSince(dates: readonly string[], ref: string = dates[0]): Float64Array {
  const t0 = parseDate(ref);
  return Float64Array.from(dates, (d) => (parseDate(d) - t0) / MS_PER_YEAR);
}

/** The calendar date `years` (of 365.25 days) after `origin`, YYYY-MM-DD; "never" for a non-finite span. */
export function dateAfter(origin: string, years: number): string {
  if (!Number.isFinite(years)) return "never";
  return new Date(parseDate(origin) + Math.round(years * YEAR_DAYS) * DAY_MS).toISOString().slice(0, 10);
}
