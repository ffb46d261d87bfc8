/**
 * Date helpers of the SBAS readers in MintPy's conventions (YYYYMMDD strings; years = days / 365.25).
 * Day counts and decimal years are src/core/dates' (MintPy's definitions), re-exported here.
 */
import { daysBetween, isDate, parseDate } from "../core/dates";

export { daysBetween, decimalYear } from "../core/dates";

/** Accepts YYYYMMDD, YYYY-MM-DD or YYMMDD (ROI_PAC) and returns YYYYMMDD, or throws. */
export function normalizeDate(s: string): string {
  let t = s.trim().replace(/-/g, "");
  if (/^\d{6}$/.test(t)) t = (Number(t.slice(0, 2)) < 50 ? "20" : "19") + t;
  if (!/^\d{8}$/.test(t) || !isDate(t)) throw new Error(`not a date: "${s}"`);
  return t;
}

export function dateToJs(d: string): Date {
  return new Date(parseDate(d));
}

export function jsToDate(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll("-", "");
}

/** Temporal baselines from the first date in years (ifgram_inversion: days / 365.25). */
export function tbaseYears(dates: string[]): Float64Array {
  const out = new Float64Array(dates.length);
  for (let i = 0; i < dates.length; i++) out[i] = daysBetween(dates[0], dates[i]) / 365.25;
  return out;
}

export function month(d: string): number {
  return +d.slice(4, 6);
}
