/**
 * When is the ground stable? Only a curve that levels off has a stabilisation time, and only a time
 * the data reach can be called one: the verdict is
 *  - "stabilised" — the supported curve reaches `fraction` of its settlement at t_f ≤ the last
 *    observation; t_f is reported with its profile-likelihood interval;
 *  - "not-stabilised" — the fitted t_f lies after the last observation: the plateau is an
 *    extrapolation, so no date is given, only the lower end of t_f's interval (what the data rule out);
 *  - "no-plateau" — the model comparison prefers the straight line, or the fitted curve does not level
 *    off (c ≤ 0): no date at all.
 */
import { dateAfter } from "../core/dates";
import type { ModelComparison } from "./comparison";
import type { SettlementFit } from "./fitting";
import { estimates, plateauTimeEstimate, type IntervalMethod } from "./intervals";
import { logit } from "./models";

export type StabilisationStatus = "stabilised" | "not-stabilised" | "no-plateau";

export interface Stabilisation {
  status: StabilisationStatus;
  /** Fraction of the total settlement that defines "stable". */
  fraction: number;
  /** One line for people: the verdict and why. */
  message: string;
  /** Years since origin at which `fraction` is reached, with its interval; NaN unless stabilised. */
  t: number;
  lower: number;
  upper: number;
  /** Linearised standard error of t (for reference). */
  tStdError: number;
  method: IntervalMethod;
  /** Where the fitted curve would reach `fraction` (NaN without a plateau): an extrapolation when not stabilised. */
  fittedT: number;
  /** Not stabilised: stabilisation earlier than this (years since origin) is ruled out by the data. */
  notBefore: number;
  lastObservation: number;
  /** Logistic only: time of the onset ((1 − fraction) reached) and onset → stable duration 2·ln(f/(1−f))/c with its interval. */
  onsetT: number;
  duration: number;
  durationLower: number;
  durationUpper: number;
  /** Settlement still to come after t, (1 − fraction)·|b|. */
  remaining: number;
}

export interface StabilisationOptions {
  fraction?: number;
  level?: number;
  method?: IntervalMethod;
  /** The model comparison on the same series: a series that prefers the straight line gets no date. */
  comparison?: readonly ModelComparison[];
  /** Origin date, to write dates into the message. */
  origin?: string;
}

const NONE = { t: NaN, lower: NaN, upper: NaN, tStdError: NaN, fittedT: NaN, notBefore: NaN, onsetT: NaN, duration: NaN, durationLower: NaN, durationUpper: NaN, remaining: NaN };

export function assessStabilisation(fit: SettlementFit, opts: StabilisationOptions = {}): Stabilisation {
  const fraction = opts.fraction ?? 0.95;
  if (!(fraction > 0.5 && fraction < 1)) throw new Error(`stabilisation fraction ${fraction} must lie in (0.5, 1)`);
  const level = opts.level ?? fit.confidence;
  const method = opts.method ?? "profile";
  const lastObservation = Math.max(...fit.obs.t);
  const when = (t: number): string => (opts.origin ? dateAfter(opts.origin, t) : `${t.toFixed(2)} yr`);
  const base = { fraction, method, lastObservation };
  const pct = `${Math.round(fraction * 100)} %`;
  const best = opts.comparison?.find((r) => r.fit);
  if (best?.model === "linear") {
    return { ...NONE, ...base, status: "no-plateau", message: `the straight line is the preferred model (AICc weight ${best.weight.toFixed(2)}): the series shows no levelling off, so no stabilisation time` };
  }
  if (fit.model === "linear") return { ...NONE, ...base, status: "no-plateau", message: "the linear model has no plateau, so no stabilisation time" };
  const est = plateauTimeEstimate(fit, fraction, level, method);
  if (!Number.isFinite(est.value)) {
    return { ...NONE, ...base, status: "no-plateau", message: `the fitted ${fit.model} curve does not level off (rate c ≤ 0${fit.model === "logistic" ? " or a ≤ 0" : ""}), so no stabilisation time` };
  }
  const remaining = (1 - fraction) * Math.abs(fit.params[1]);
  if (est.value > lastObservation) {
    const notBefore = Number.isFinite(est.lower) ? est.lower : lastObservation;
    return {
      ...NONE,
      ...base,
      status: "not-stabilised",
      fittedT: est.value,
      notBefore,
      remaining,
      message: `not stabilised within the observations: the fitted curve would reach ${pct} of its settlement on ${when(est.value)}, after the last observation (${when(lastObservation)}); the data rule out stabilisation before ${when(notBefore)}`,
    };
  }
  let onsetT = NaN;
  let duration = NaN;
  let durationLower = NaN;
  let durationUpper = NaN;
  if (fit.model === "logistic") {
    const L = logit(fraction);
    const [a, , c] = fit.params;
    onsetT = (Math.log(a) - L) / c;
    duration = (2 * L) / c;
    // The duration is monotone in c, so its interval is c's mapped through 2L/c.
    const ci = estimates(fit, level, method, ["c"])[0];
    durationLower = ci.upper > 0 ? (2 * L) / ci.upper : 0;
    durationUpper = ci.lower > 0 ? (2 * L) / ci.lower : Infinity;
  }
  const beyond = est.upper > lastObservation ? `; the interval reaches past the last observation (${when(lastObservation)})` : "";
  return {
    ...base,
    status: "stabilised",
    t: est.value,
    lower: est.lower,
    upper: est.upper,
    tStdError: est.stdError,
    fittedT: est.value,
    notBefore: NaN,
    onsetT,
    duration,
    durationLower,
    durationUpper,
    remaining,
    message: `stabilised (${pct} of the settlement) on ${when(est.value)}, ${Math.round(level * 100)} % interval ${when(est.lower)} … ${Number.isFinite(est.upper) ? when(est.upper) : "open"}${beyond}`,
  };
}
