/**
 * Several sensors on one time axis. Each series after the first gets an unknown offset (the
 * settlement accrued before its own reference date, e.g. Sentinel-1 starting in 2015 after PALSAR
 * ended in 2011) that the fit estimates jointly with the curve.
 */
import { parseDate, yearsSince } from "../core/dates";

export interface SensorSeries {
  sensor: string;
  dates: string[];
  values: ArrayLike<number>;
}

export interface JoinedSeries {
  origin: string;
  sensors: string[];
  /** Years since origin (days / 365.25, as MintPy counts). */
  t: Float64Array;
  y: Float64Array;
  /** Index into `sensors` of every sample. */
  group: Int32Array;
  dates: string[];
}

/**
 * Puts several sensors' series on one time axis starting at `origin`, sorted by time. Values are
 * kept as measured; the offsets between sensors are unknowns of the fit (or `applyOffsets`).
 */
export function joinSensors(series: readonly SensorSeries[], origin: string): JoinedSeries {
  if (series.length === 0) throw new Error("joinSensors: no series given");
  parseDate(origin);
  const rows: { t: number; y: number; g: number; d: string }[] = [];
  series.forEach((s, g) => {
    if (s.dates.length !== s.values.length) {
      throw new Error(`joinSensors: sensor ${s.sensor} has ${s.dates.length} dates but ${s.values.length} values`);
    }
    if (s.dates.length === 0) throw new Error(`joinSensors: sensor ${s.sensor} has no samples`);
    s.dates.forEach((d, i) => {
      let t: number;
      try {
        t = yearsSince([d], origin)[0];
      } catch (e) {
        throw new Error(`joinSensors: sensor ${s.sensor}, sample ${i}: ${(e as Error).message}`);
      }
      rows.push({ t, y: s.values[i], g, d });
    });
  });
  rows.sort((p, q) => p.t - q.t);
  return {
    origin,
    sensors: series.map((s) => s.sensor),
    t: Float64Array.from(rows, (r) => r.t),
    y: Float64Array.from(rows, (r) => r.y),
    group: Int32Array.from(rows, (r) => r.g),
    dates: rows.map((r) => r.d),
  };
}

/** The series with each sensor's estimated offset added, i.e. on the first sensor's reference. */
export function applyOffsets(y: ArrayLike<number>, group: ArrayLike<number>, offsets: readonly number[]): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + (offsets[group[i]] ?? 0);
  return out;
}
