/**
 * The default settlement analysis: compare every model, report the chosen one (the best by AICc
 * unless the parameters name one) with profile-likelihood intervals, and give a stabilisation time
 * only where the comparison and the data support it. What the CLI and notebook 22 print.
 */
import { compareModels, type ModelComparison } from "./comparison";
import { fitSettlement, type FitInput, type SettlementFit } from "./fitting";
import { estimates, type Estimate } from "./intervals";
import { SETTLEMENT_MODELS, type SettlementModel } from "./models";
import type { SettlementParams } from "./params";
import { assessStabilisation, type Stabilisation } from "./stabilisation";

export interface SettlementAnalysis {
  /** All models, best (lowest AICc) first. */
  comparison: ModelComparison[];
  preferred: SettlementModel;
  /** The model reported (params.model, or the preferred one for "auto"). */
  model: SettlementModel;
  fit: SettlementFit;
  estimates: Estimate[];
  stabilisation: Stabilisation;
  /** Time origin of t, when the input had dates. */
  origin?: string;
  warnings: string[];
}

export function analyseSettlement(input: FitInput, params: SettlementParams, origin?: string): SettlementAnalysis {
  const opts = { confidence: params.confidence, maxIterations: params.maxIterations, weighting: params.weighting };
  const comparison = compareModels(input, SETTLEMENT_MODELS, opts);
  const preferred = comparison[0].model;
  const model = params.model === "auto" ? preferred : params.model;
  const fit = comparison.find((r) => r.model === model)?.fit ?? fitSettlement(input, { ...opts, model });
  const warnings = [...fit.warnings];
  if (model !== preferred) {
    const w = comparison.find((r) => r.model === model)?.weight ?? NaN;
    warnings.push(`the ${model} model was asked for, but the data prefer the ${preferred} model (AICc weights ${preferred} ${comparison[0].weight.toFixed(2)}, ${model} ${w.toFixed(2)})`);
  }
  const stabilisation = assessStabilisation(fit, { fraction: params.stabiliseFraction, level: params.confidence, method: params.intervals, comparison, origin });
  return { comparison, preferred, model, fit, estimates: estimates(fit, params.confidence, params.intervals), stabilisation, origin, warnings };
}
