/**
 * Coherence → inversion weight, as MintPy's decorrelation.coherence2weight: `var` (inverse phase
 * variance of distributed scatterers, Tough et al. 1995), `fim` (Fisher information, Seymour &
 * Cumming 1994), `coh` (coherence itself) or `no` (unweighted, classic SBAS).
 */
export type WeightFunc = "var" | "fim" | "coh" | "no";

export const WEIGHT_FUNCS: readonly WeightFunc[] = ["var", "fim", "coh", "no"];

/** MintPy clips coherence below this (and NaN) before weighting (ifgram_inversion.calc_weight_sqrt). */
export const WEIGHT_COH_EPSILON = 5e-2;

function lgamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9); accurate to ~1e-15 for x > 0.5.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Phase PDF of distributed scatterers (Hanssen 2001 eq. 4.2.32), port of MintPy phase_pdf_ds. */
export function phasePdfDs(L: number, coherence: number, phi: number): number {
  const A = Math.pow(1 - coherence * coherence, L) / (2 * Math.PI);
  const B = Math.exp(lgamma(2 * L - 1) - 2 * lgamma(L) - 2 * (L - 1) * Math.LN2);
  const beta = Math.abs(coherence) * Math.cos(phi);
  const ob = 1 - beta * beta;
  let C = ((2 * L - 1) * beta) / Math.pow(ob, L + 0.5);
  C *= Math.PI / 2 + Math.asin(beta);
  C += 1 / Math.pow(ob, L);
  let sumD = 0;
  if (L > 1) {
    for (let r = 0; r < L - 1; r++) {
      let D = Math.exp(lgamma(L - 0.5) - lgamma(L - 0.5 - r) + lgamma(L - 1 - r) - lgamma(L - 1));
      D *= (1 + (2 * r + 1) * beta * beta) / Math.pow(ob, r + 2);
      sumD += D;
    }
    sumD /= 2 * (L - 1);
  }
  return A * (B * C + sumD);
}

const varLutCache = new Map<number, Float64Array>();
const COH_STEP = 0.005;

/** MintPy phase_variance_ds LUT: coherence (step 0.005, bin centres) → phase variance (rad²). */
export function phaseVarianceLut(L: number): Float64Array {
  const Li = Math.min(80, Math.max(1, Math.round(L)));
  const cached = varLutCache.get(Li);
  if (cached) return cached;
  const num = Math.round(1 / COH_STEP);
  const lut = new Float64Array(num);
  // MintPy integrates with as many phase samples as coherence samples (phi_num = len(coherence)).
  const phiNum = num;
  const phiStep = (2 * Math.PI) / phiNum;
  for (let c = 0; c < num; c++) {
    const coh = COH_STEP * (c + 1) - COH_STEP / 2;
    let v = 0;
    for (let p = 0; p < phiNum; p++) {
      const phi = -Math.PI + (2 * Math.PI * p) / (phiNum - 1);
      v += phi * phi * phasePdfDs(Li, coh, phi) * phiStep;
    }
    lut[c] = v;
  }
  let minPos = Infinity;
  for (const v of lut) if (v > 0 && v < minPos) minPos = v;
  for (let c = 0; c < num; c++) if (!(lut[c] > 0)) lut[c] = Number.isFinite(minPos) ? minPos : Number.EPSILON;
  varLutCache.set(Li, lut);
  return lut;
}

/** A weight function of coherence, vectorisable over pixels. */
export function weightFunction(func: WeightFunc, L: number): (coh: number) => number {
  const clip = (c: number): number => (Number.isNaN(c) || c < WEIGHT_COH_EPSILON ? WEIGHT_COH_EPSILON : c);
  switch (func) {
    case "no":
      return () => 1;
    case "coh":
      return (c) => clip(c);
    case "fim": {
      const Li = Math.max(1, Math.trunc(L));
      return (c) => {
        let x = clip(c);
        if (x > 1 - 1e-3) x = 1 - 1e-3;
        return (2 * Li * x * x) / (1 - x * x);
      };
    }
    case "var": {
      const lut = phaseVarianceLut(L);
      const cMin = COH_STEP / 2;
      const cMax = 1 - COH_STEP / 2;
      return (c) => {
        let x = clip(c);
        if (x < cMin) x = cMin;
        if (x > cMax) x = cMax;
        // np.int16 truncation of (coh − coh_min) / step, as MintPy indexes its LUT.
        const idx = Math.trunc(Math.fround((Math.fround(x) - cMin) / COH_STEP));
        return 1 / lut[Math.min(lut.length - 1, idx)];
      };
    }
  }
}

/** MintPy's number of independent looks: NCORRLOOKS, else ALOOKS·RLOOKS / 1.94, rounded, ≥ 1. */
export function independentLooks(attrs: Record<string, string | number>): number {
  if (attrs.NCORRLOOKS !== undefined) return Math.max(1, Math.round(Number(attrs.NCORRLOOKS)));
  const a = Number(attrs.ALOOKS ?? 1);
  const r = Number(attrs.RLOOKS ?? 1);
  return Math.max(1, Math.round((a * r) / 1.94));
}
