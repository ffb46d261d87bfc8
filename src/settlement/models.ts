/**
 * The settlement-versus-time curves (Foshan study, eq. 2): the logistic S(t) = b / (1 + a·e^(−c·t)),
 * with a straight line (no levelling off) and a consolidation exponential as the alternatives it is
 * compared with. t is in years since the fit's origin, S in the series' unit (mm in this project).
 */
export type SettlementModel = "logistic" | "linear" | "exponential";
export const SETTLEMENT_MODELS: readonly SettlementModel[] = ["logistic", "linear", "exponential"];

export const MODEL_PARAMS: Record<SettlementModel, readonly string[]> = {
  logistic: ["a", "b", "c"],
  linear: ["rate", "intercept"],
  exponential: ["s0", "b", "c"],
};

export const MODEL_FORMULA: Record<SettlementModel, string> = {
  logistic: "S(t) = b / (1 + a·exp(−c·t))",
  linear: "S(t) = intercept + rate·t",
  exponential: "S(t) = s0 + b·(1 − exp(−c·t))",
};

/** Model value at t. */
export function modelValue(model: SettlementModel, p: readonly number[], t: number): number {
  switch (model) {
    case "logistic":
      return p[1] / (1 + p[0] * Math.exp(-p[2] * t));
    case "linear":
      return p[1] + p[0] * t;
    case "exponential":
      return p[0] + p[1] * (1 - Math.exp(-p[2] * t));
  }
}

/** ∂S/∂θ at t, in the order of MODEL_PARAMS. */
export function modelGradient(model: SettlementModel, p: readonly number[], t: number): number[] {
  switch (model) {
    case "logistic": {
      const e = Math.exp(-p[2] * t);
      const d = 1 + p[0] * e;
      return [(-p[1] * e) / (d * d), 1 / d, (p[1] * p[0] * t * e) / (d * d)];
    }
    case "linear":
      return [t, 1];
    case "exponential": {
      const e = Math.exp(-p[2] * t);
      return [1, 1 - e, p[1] * t * e];
    }
  }
}

/** Does the model level off to a plateau (so that a stabilisation time can exist)? */
export function hasPlateau(model: SettlementModel): boolean {
  return model !== "linear";
}

/** ln(f / (1 − f)): the logistic's distance, in units of 1/c, from its midpoint to fraction f of b. */
export function logit(f: number): number {
  return Math.log(f / (1 - f));
}

/**
 * Time (years since origin) at which the fitted curve has covered `fraction` of its total settlement:
 * logistic t_f = (ln a + ln(f/(1−f)))/c; exponential t_f = −ln(1−f)/c (counted from the origin, where
 * the exponential starts). NaN where the curve does not level off (c ≤ 0, a ≤ 0, or the linear model).
 */
export function plateauTime(model: SettlementModel, p: readonly number[], fraction: number): number {
  if (model === "logistic") return p[0] > 0 && p[2] > 0 ? (Math.log(p[0]) + logit(fraction)) / p[2] : NaN;
  if (model === "exponential") return p[2] > 0 ? -Math.log(1 - fraction) / p[2] : NaN;
  return NaN;
}
