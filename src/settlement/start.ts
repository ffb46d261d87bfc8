/**
 * Starting values of a settlement fit: a grid over the nonlinear parameters (rate c, and the logistic's
 * midpoint) with the linear ones (b, offsets, …) solved exactly at each node, so no guess from the
 * user is needed.
 */
import { linearLsq } from "./linalg";
import type { SettlementModel } from "./models";
import type { Observations } from "./observation";

/** Starting values: grid over the nonlinear parameters, exact least squares for the linear ones. */
export function startValues(model: SettlementModel, obs: Observations): number[] {
  const { t, y, g, nGroups } = obs;
  const n = t.length;
  const offsets = (i: number, row: Float64Array, from: number): void => {
    for (let k = 1; k < nGroups; k++) row[from + k - 1] = g[i] === k ? -1 : 0;
  };
  const nOff = nGroups - 1;
  if (model === "linear") {
    const r = linearLsq(n, 2 + nOff, (i, row) => {
      row[0] = t[i];
      row[1] = 1;
      offsets(i, row, 2);
    }, y);
    if (!r) throw new Error("linear fit: the design is singular (sensors' time spans cannot be told apart from their offsets)");
    return r.coef;
  }
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const ti of t) {
    tMin = Math.min(tMin, ti);
    tMax = Math.max(tMax, ti);
  }
  const span = tMax - tMin;
  let best: { theta: number[]; sse: number } | null = null;
  const cs = Array.from({ length: 40 }, (_, k) => (0.1 / span) * Math.pow(400, k / 39)); // rates from 0.1/span to 40/span
  if (model === "exponential") {
    for (const c of cs) {
      const r = linearLsq(n, 2 + nOff, (i, row) => {
        row[0] = 1;
        row[1] = 1 - Math.exp(-c * t[i]);
        offsets(i, row, 2);
      }, y);
      if (r && (!best || r.sse < best.sse)) best = { theta: [r.coef[0], r.coef[1], c, ...r.coef.slice(2)], sse: r.sse };
    }
  } else {
    // Logistic: for fixed c and midpoint t_m (a = e^(c·t_m)), S is linear in b.
    const mids = Array.from({ length: 41 }, (_, k) => tMin - 0.5 * span + (2 * span * k) / 40);
    for (const c of cs) {
      for (const tm of mids) {
        const a = Math.exp(c * tm);
        if (!Number.isFinite(a) || a <= 0) continue;
        const r = linearLsq(n, 1 + nOff, (i, row) => {
          row[0] = 1 / (1 + a * Math.exp(-c * t[i]));
          offsets(i, row, 1);
        }, y);
        if (r && (!best || r.sse < best.sse)) best = { theta: [a, r.coef[0], c, ...r.coef.slice(1)], sse: r.sse };
      }
    }
  }
  if (!best) throw new Error(`${model} fit: no starting values found (${n} samples)`);
  return best.theta;
}
