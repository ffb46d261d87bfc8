/**
 * Which curve does the series support? Every model is fitted to the same data (same sensors, same
 * offsets, same noise weighting) and ranked by AICc (AIC with the small-sample correction), with
 * Akaike weights exp(−Δ/2)/Σ — the relative support of each model, summing to 1 over those fitted.
 * The stabilisation date is only read from a curve the comparison supports (stabilisation.ts).
 */
import { fitSettlement, type FitInput, type FitOptions, type SettlementFit } from "./fitting";
import { SETTLEMENT_MODELS, type SettlementModel } from "./models";

export interface ModelComparison {
  model: SettlementModel;
  /** Free parameters counted by the criteria (curve, offsets, noise variances). */
  k: number;
  aic: number;
  aicc: number;
  deltaAic: number;
  deltaAicc: number;
  /** Akaike weights from AIC and from AICc (the one the ranking uses). */
  weightAic: number;
  weight: number;
  rmse: number;
  fit?: SettlementFit;
  error?: string;
}

function akaikeWeights(values: readonly number[]): { delta: number[]; weight: number[] } {
  const min = Math.min(...values.filter(Number.isFinite));
  const delta = values.map((v) => (Number.isFinite(v) ? v - min : NaN));
  const e = delta.map((d) => (Number.isFinite(d) ? Math.exp(-d / 2) : 0));
  const total = e.reduce((s, v) => s + v, 0);
  return { delta, weight: e.map((v) => v / total) };
}

/** Fits every model and ranks them by AICc (lowest first). Models that fail are listed last, with the error. */
export function compareModels(input: FitInput, models: readonly SettlementModel[] = SETTLEMENT_MODELS, opts: FitOptions = {}): ModelComparison[] {
  const rows: ModelComparison[] = models.map((model) => {
    try {
      const fit = fitSettlement(input, { ...opts, model });
      return { model, k: fit.k, aic: fit.aic, aicc: fit.aicc, deltaAic: 0, deltaAicc: 0, weightAic: 0, weight: 0, rmse: fit.rmse, fit };
    } catch (e) {
      return { model, k: NaN, aic: NaN, aicc: NaN, deltaAic: NaN, deltaAicc: NaN, weightAic: 0, weight: 0, rmse: NaN, error: (e as Error).message };
    }
  });
  if (!rows.some((r) => Number.isFinite(r.aic))) throw new Error(`no model could be fitted: ${rows.map((r) => `${r.model}: ${r.error}`).join("; ")}`);
  // AICc needs n > k + 1; where it is undefined for some model, rank all by AIC.
  const useAicc = rows.every((r) => !Number.isFinite(r.aic) || Number.isFinite(r.aicc));
  const a = akaikeWeights(rows.map((r) => r.aic));
  const c = akaikeWeights(rows.map((r) => (useAicc ? r.aicc : r.aic)));
  rows.forEach((r, i) => {
    r.deltaAic = a.delta[i];
    r.weightAic = a.weight[i];
    r.deltaAicc = c.delta[i];
    r.weight = c.weight[i];
  });
  const key = (r: ModelComparison): number => (Number.isFinite(r.deltaAicc) ? r.deltaAicc : Infinity);
  return rows.sort((p, q) => key(p) - key(q));
}
