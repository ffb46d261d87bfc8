/** Plain-JSON and text renderings of a settlement analysis (what the CLI prints, what notebooks tabulate). */
import { dateAfter } from "../core/dates";
import type { SettlementAnalysis } from "./analysis";
import type { ModelComparison } from "./comparison";
import { MODEL_FORMULA } from "./models";

export interface ComparisonRow {
  model: string;
  formula: string;
  k: number;
  AIC: number;
  AICc: number;
  "ΔAICc": number;
  "AICc weight": number;
  "rmse (mm)": number;
  error?: string;
}

export function comparisonRows(comparison: readonly ModelComparison[]): ComparisonRow[] {
  return comparison.map((r) => ({
    model: r.model,
    formula: MODEL_FORMULA[r.model],
    k: r.k,
    AIC: r.aic,
    AICc: r.aicc,
    "ΔAICc": r.deltaAicc,
    "AICc weight": r.weight,
    "rmse (mm)": r.rmse,
    ...(r.error ? { error: r.error } : {}),
  }));
}

const num = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : v === Infinity ? "+inf" : v === -Infinity ? "-inf" : "—");

/** The comparison as an aligned text table. */
export function comparisonTable(comparison: readonly ModelComparison[]): string {
  const head = ["model", "k", "AIC", "AICc", "ΔAICc", "weight", "rmse"];
  const rows = comparison.map((r) => [r.model, String(r.k), num(r.aic, 2), num(r.aicc, 2), num(r.deltaAicc, 2), num(r.weight, 3), num(r.rmse, 3) + (r.error ? `  (failed: ${r.error})` : "")]);
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

/** An interval end for JSON: ±∞ (an open side, where the data rule out no value) becomes null, which JSON can carry. */
const end = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A plain-JSON summary of the analysis; an open interval end is null. */
export function analysisSummary(an: SettlementAnalysis): Record<string, unknown> {
  const fit = an.fit;
  const s = an.stabilisation;
  const date = (t: number): string | undefined => (an.origin && Number.isFinite(t) ? dateAfter(an.origin, t) : undefined);
  const params: Record<string, { value: number; stdError: number; lower: number | null; upper: number | null }> = {};
  for (const e of an.estimates) params[e.name] = { value: e.value, stdError: e.stdError, lower: end(e.lower), upper: end(e.upper) };
  return {
    model: fit.model,
    preferred: an.preferred,
    formula: fit.formula,
    ...(an.origin ? { origin: an.origin, timeUnit: "years since origin" } : { timeUnit: "years" }),
    comparison: comparisonRows(an.comparison),
    params,
    intervals: { method: an.estimates[0]?.method, level: fit.confidence },
    sensors: fit.sensors.map((name, k) => ({ sensor: name, offset: fit.offsets[k], noise: fit.noise[k] })),
    n: fit.n,
    dof: fit.dof,
    rmse: fit.rmse,
    aic: fit.aic,
    aicc: fit.aicc,
    stabilisation: {
      status: s.status,
      message: s.message,
      fraction: s.fraction,
      ...(s.status === "stabilised"
        ? { years: s.t, lower: end(s.lower), upper: end(s.upper), date: date(s.t), lowerDate: date(s.lower), upperDate: date(s.upper), onsetYears: s.onsetT, onsetDate: date(s.onsetT), durationYears: s.duration, durationLower: end(s.durationLower), durationUpper: end(s.durationUpper) }
        : {}),
      ...(s.status === "not-stabilised" ? { notBeforeYears: s.notBefore, notBeforeDate: date(s.notBefore), fittedYears: s.fittedT, lastObservationDate: date(s.lastObservation) } : {}),
    },
    ...(an.warnings.length ? { warnings: an.warnings } : {}),
  };
}

/** The analysis as text: comparison table, the reported model's estimates, the stabilisation verdict. */
export function analysisText(an: SettlementAnalysis): string {
  const fit = an.fit;
  const level = Math.round(fit.confidence * 100);
  const lines = [`models compared (AICc; weight = Akaike weight), ${fit.n} samples, ${fit.sensors.length} sensor(s):`, comparisonTable(an.comparison), ""];
  lines.push(`reported: ${fit.model}${fit.model === an.preferred ? " (preferred)" : ` (asked for; preferred: ${an.preferred})`}  ${fit.formula}${an.origin ? `, t in years since ${an.origin}` : ""}`);
  for (const e of an.estimates) lines.push(`  ${e.name.padEnd(14)} ${num(e.value, 4).padStart(12)}   ${level} % ${e.method} interval [${num(e.lower, 4)}, ${num(e.upper, 4)}]`);
  fit.sensors.forEach((name, k) => lines.push(`  noise σ ${name}: ${num(fit.noise[k], 3)}`));
  lines.push("", `stabilisation: ${an.stabilisation.message}`);
  for (const w of an.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
