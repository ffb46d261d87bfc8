/**
 * Full-cycle settlement series with known truth, sampled like the Foshan study's two sensors (PALSAR
 * 2008–2011, Sentinel-1 2015–2018): the input of notebook 22 and of the interval-coverage checks.
 */
import { DAY_MS, parseDate, yearsSince } from "../core/dates";
import { mulberry32, normal } from "../core/random";
import type { SensorSeries } from "./joining";

/** Acquisition dates every `stepDays` from first to last (inclusive of first). */
export function regularDates(first: string, last: string, stepDays: number): string[] {
  const a = parseDate(first);
  const b = parseDate(last);
  const out: string[] = [];
  for (let ms = a; ms <= b; ms += stepDays * DAY_MS) out.push(new Date(ms).toISOString().slice(0, 10));
  return out;
}

export interface FullCycleTruth {
  origin: string;
  /** Logistic parameters of eq. 2, t in years since origin, S in mm. */
  a: number;
  b: number;
  c: number;
}

export interface FullCycleOptions {
  seed: number;
  sensors: { name: string; first: string; last: string; stepDays: number; noiseMm: number; seasonalMm?: number }[];
}

/**
 * A settlement history S(t) observed by several sensors, with white noise and an optional annual
 * term. The first sensor starts with the construction and records S itself (S ≈ 0 then, as eq. 2
 * assumes when the paper counts time from 2008); every later sensor is referenced to zero at its own
 * first date, as an InSAR time series is, so its offset is unknown to the fit.
 */
export function simulateFullCycle(truth: FullCycleTruth, opts: FullCycleOptions): SensorSeries[] {
  const gauss = normal(mulberry32(opts.seed));
  const S = (t: number): number => truth.b / (1 + truth.a * Math.exp(-truth.c * t));
  return opts.sensors.map((s, k) => {
    const dates = regularDates(s.first, s.last, s.stepDays);
    const t = yearsSince(dates, truth.origin);
    const ref = k === 0 ? 0 : S(t[0]);
    const values = dates.map((_, i) => S(t[i]) - ref + (s.seasonalMm ?? 0) * Math.sin(2 * Math.PI * t[i]) + s.noiseMm * gauss());
    return { sensor: s.name, dates, values };
  });
}
