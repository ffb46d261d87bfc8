/**
 * Monte-Carlo check of the reported intervals: many seeded two-sensor series from a known logistic,
 * each fitted with the Sentinel-1-like sensor's offset unknown, counting how often each nominal
 * interval contains the truth. This is how docs/settlement.md's coverage numbers were measured
 * (`npm run settlement -- coverage`) and what tests/settlement/intervals.test.ts asserts.
 */
import { fitSettlement } from "./fitting";
import { estimates, plateauTimeEstimate, type IntervalMethod } from "./intervals";
import { joinSensors } from "./joining";
import { plateauTime } from "./models";
import { simulateFullCycle, type FullCycleOptions, type FullCycleTruth } from "./simulate";

export interface CoverageOptions {
  truth: FullCycleTruth;
  sensors: FullCycleOptions["sensors"];
  runs: number;
  /** Seeds are firstSeed, firstSeed + 1, …. */
  firstSeed: number;
  level: number;
  fraction: number;
  /** Methods compared on the same fits. */
  methods: readonly IntervalMethod[];
}

export interface CoverageResult {
  method: IntervalMethod;
  runs: number;
  level: number;
  /** Share of runs whose interval contains the truth, per quantity (a, b, c, t_f). */
  coverage: Record<string, number>;
  /** Runs whose interval was open on one side (±∞), per quantity. */
  open: Record<string, number>;
  /** Median interval width per quantity (finite intervals only). */
  medianWidth: Record<string, number>;
}

/** The Foshan-like design: PALSAR 2008–2011 every 46 days (3 mm), Sentinel-1 2015–2018 every 12 days (2 mm). */
export const TWO_SENSOR_DESIGN: FullCycleOptions["sensors"] = [
  { name: "PALSAR", first: "2008-01-15", last: "2011-03-31", stepDays: 46, noiseMm: 3 },
  { name: "Sentinel-1", first: "2015-06-15", last: "2018-09-15", stepDays: 12, noiseMm: 2 },
];

export function intervalCoverage(o: CoverageOptions): CoverageResult[] {
  const tfName = `t${Math.round(o.fraction * 100)}`;
  const truth: Record<string, number> = { a: o.truth.a, b: o.truth.b, c: o.truth.c, [tfName]: plateauTime("logistic", [o.truth.a, o.truth.b, o.truth.c], o.fraction) };
  const tally = o.methods.map(() => {
    const t = { hits: {} as Record<string, number>, open: {} as Record<string, number>, widths: {} as Record<string, number[]> };
    for (const k of Object.keys(truth)) (t.hits[k] = 0), (t.open[k] = 0), (t.widths[k] = []);
    return t;
  });
  for (let r = 0; r < o.runs; r++) {
    const series = simulateFullCycle(o.truth, { seed: o.firstSeed + r, sensors: o.sensors });
    const j = joinSensors(series, o.truth.origin);
    const fit = fitSettlement({ t: j.t, y: j.y, group: j.group, sensors: j.sensors }, { model: "logistic", confidence: o.level });
    o.methods.forEach((method, m) => {
      const est = [...estimates(fit, o.level, method, ["a", "b", "c"]), plateauTimeEstimate(fit, o.fraction, o.level, method)];
      for (const e of est) {
        const v = truth[e.name];
        if (e.lower <= v && v <= e.upper) tally[m].hits[e.name]++;
        if (!Number.isFinite(e.upper - e.lower)) tally[m].open[e.name]++;
        else tally[m].widths[e.name].push(e.upper - e.lower);
      }
    });
  }
  const med = (v: number[]): number => (v.length ? v.sort((p, q) => p - q)[Math.floor(v.length / 2)] : NaN);
  return o.methods.map((method, m) => ({
    method,
    runs: o.runs,
    level: o.level,
    coverage: Object.fromEntries(Object.entries(tally[m].hits).map(([k, h]) => [k, h / o.runs])),
    open: tally[m].open,
    medianWidth: Object.fromEntries(Object.entries(tally[m].widths).map(([k, w]) => [k, med(w)])),
  }));
}
