/**
 * Parameters of a settlement analysis (schema: src/core/params.ts). The generic defaults are the
 * honest ones: every model compared, intervals by profile likelihood, a stabilisation time only
 * where the data show the plateau. A study overrides them in src/studies/<study>/ with its paper's
 * sections.
 */
import { parseDate } from "../core/dates";
import type { ParamSchema } from "../core/params";
import { SETTLEMENT_MODELS, type SettlementModel } from "./models";

export interface SettlementParams {
  model: "auto" | SettlementModel;
  origin: string;
  stabiliseFraction: number;
  confidence: number;
  intervals: "profile" | "linearised";
  weighting: "sensor" | "none";
  maxIterations: number;
}

export const SETTLEMENT_SCHEMA: ParamSchema<SettlementParams> = {
  model: {
    kind: "enum",
    default: "auto",
    values: ["auto", ...SETTLEMENT_MODELS],
    description: "curve reported: auto = the one with the lowest AICc; the comparison of all is reported either way",
    source: "choice: Akaike weights say which curve the data support",
    group: "model",
  },
  origin: {
    kind: "string",
    default: "first",
    description: "time origin of t (YYYY-MM-DD), or 'first' for the first observation; eq. 2's a depends on it",
    source: "choice",
    group: "model",
  },
  stabiliseFraction: {
    kind: "number",
    default: 0.95,
    min: 0.51,
    max: 0.999,
    description: "fraction of the total settlement at which the ground counts as stable",
    source: "choice",
    group: "stabilisation",
  },
  confidence: {
    kind: "number",
    default: 0.95,
    min: 0.5,
    max: 0.999,
    description: "confidence level of the intervals",
    source: "choice",
    group: "uncertainty",
  },
  intervals: {
    kind: "enum",
    default: "profile",
    values: ["profile", "linearised"],
    description: "interval method: profile likelihood (checked by Monte Carlo, docs/settlement.md) or the linearised covariance (under-covers)",
    source: "choice: docs/settlement.md coverage table",
    group: "uncertainty",
  },
  weighting: {
    kind: "enum",
    default: "sensor",
    values: ["sensor", "none"],
    description: "sensor = estimate each sensor's noise and weight its samples by 1/σ²; none = ordinary least squares",
    source: "choice: sensors differ in noise (PALSAR vs Sentinel-1)",
    group: "uncertainty",
  },
  maxIterations: {
    kind: "integer",
    default: 100,
    min: 1,
    max: 10000,
    description: "Levenberg–Marquardt iterations of the main fit",
    source: "choice",
    group: "fit",
  },
};

/** The origin date for a series: the parameter, or the earliest date when it is 'first'. */
export function resolveOrigin(origin: string, dates: readonly string[]): string {
  if (origin !== "first") {
    parseDate(origin);
    return origin;
  }
  if (dates.length === 0) throw new Error("origin 'first': the series has no dates");
  return dates.reduce((m, d) => (parseDate(d) < parseDate(m) ? d : m));
}
