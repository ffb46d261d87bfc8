/**
 * Per-arc solution-space search of eq. 1 (Ferretti et al. 2000, the paper's ref [15]):
 *   δφ_ij,k = (4π/λ)·t_k·Δv_ij + (4π/λ)·B⊥,k·Δz_ij/(R·sinθ) + Δφ_res
 * For each arc the (Δv, Δz) maximising the ensemble coherence γ = |1/K Σ_k e^{i(δφ_k − model_k)}| is
 * found on a grid, then refined locally. The grid factorises: e^{-i(a_k v + b_k z)} = e^{-i a_k v}·e^{-i b_k z},
 * so for each Δz the data are rotated once and the Δv sweep is a complex dot product per grid node.
 *
 * `arcSearchKernel` is self-contained (no imports, no helpers) because worker threads receive its
 * source text.
 */

export interface ArcModel {
  /** rad per (mm/yr) for each date: (4π/λ)·t_k·1e-3. */
  a: Float64Array;
  /** rad per m of height error for each date: (4π/λ)·B⊥,k/(R·sinθ). */
  b: Float64Array;
}

export interface SearchGrid {
  velocitySearch: number;
  velocityStep: number;
  demSearch: number;
  demStep: number;
}

export function arcModel(t: Float64Array, bperp: Float64Array, wavelength: number, slantRange: number, incidenceDeg: number): ArcModel {
  const f = (4 * Math.PI) / wavelength;
  const sinT = Math.sin((incidenceDeg * Math.PI) / 180);
  return {
    a: Float64Array.from(t, (v) => f * v * 1e-3),
    b: Float64Array.from(bperp, (v) => (f * v) / (slantRange * sinT)),
  };
}

/**
 * Searches arcs [from, to) of (arcI, arcJ). `phase` holds unit phasors candidate-major
 * (phase[(c*K + k)*2], re then im). Writes Δv (mm/yr), Δz (m), γ for each arc at out[3*(e-from)...].
 * Δ = value at i minus value at j.
 */
export function arcSearchKernel(
  phase: Float32Array,
  K: number,
  arcI: Int32Array,
  arcJ: Int32Array,
  from: number,
  to: number,
  a: Float64Array,
  b: Float64Array,
  vMax: number,
  vStep: number,
  zMax: number,
  zStep: number,
  out: Float64Array,
): void {
  const nv = 2 * Math.round(vMax / vStep) + 1;
  const nz = 2 * Math.round(zMax / zStep) + 1;
  const z0 = -Math.round(zMax / zStep) * zStep;
  // The velocity grid is symmetric (v = j·step, j = −m…m) and e^{−i a v} at −v is the conjugate of +v,
  // so one table of m+1 columns and four partial sums give both grid nodes ±v.
  const m = (nv - 1) / 2;
  const evr = new Float64Array((m + 1) * K);
  const evi = new Float64Array((m + 1) * K);
  for (let j = 0; j <= m; j++) {
    for (let k = 0; k < K; k++) {
      const ph = a[k] * (j * vStep);
      evr[j * K + k] = Math.cos(ph);
      evi[j * K + k] = Math.sin(ph);
    }
  }
  const ezr = new Float64Array(nz * K);
  const ezi = new Float64Array(nz * K);
  for (let iz = 0; iz < nz; iz++) {
    for (let k = 0; k < K; k++) {
      const ph = b[k] * (z0 + iz * zStep);
      ezr[iz * K + k] = Math.cos(ph);
      ezi[iz * K + k] = Math.sin(ph);
    }
  }
  const yr = new Float64Array(K);
  const yi = new Float64Array(K);
  const wr = new Float64Array(K);
  const wi = new Float64Array(K);
  for (let e = from; e < to; e++) {
    const pi = arcI[e] * K * 2;
    const pj = arcJ[e] * K * 2;
    for (let k = 0; k < K; k++) {
      const ar = phase[pi + 2 * k];
      const ai = phase[pi + 2 * k + 1];
      const br = phase[pj + 2 * k];
      const bi = phase[pj + 2 * k + 1];
      yr[k] = ar * br + ai * bi;
      yi[k] = ai * br - ar * bi;
    }
    let best = -1;
    let bv = 0;
    let bz = 0;
    for (let iz = 0; iz < nz; iz++) {
      const zo = iz * K;
      for (let k = 0; k < K; k++) {
        const cr = ezr[zo + k];
        const ci = ezi[zo + k];
        wr[k] = yr[k] * cr + yi[k] * ci;
        wi[k] = yi[k] * cr - yr[k] * ci;
      }
      for (let j = 0; j <= m; j++) {
        const vo = j * K;
        let A = 0;
        let B = 0;
        let C = 0;
        let D = 0;
        for (let k = 0; k < K; k++) {
          const cr = evr[vo + k];
          const ci = evi[vo + k];
          A += wr[k] * cr;
          B += wi[k] * ci;
          C += wi[k] * cr;
          D += wr[k] * ci;
        }
        // +v: Σ w·e^{−i a v} = (A + B, C − D); −v: (A − B, C + D).
        const pPlus = (A + B) * (A + B) + (C - D) * (C - D);
        if (pPlus > best) {
          best = pPlus;
          bv = j * vStep;
          bz = z0 + iz * zStep;
        }
        const pMinus = (A - B) * (A - B) + (C + D) * (C + D);
        if (j > 0 && pMinus > best) {
          best = pMinus;
          bv = -j * vStep;
          bz = z0 + iz * zStep;
        }
      }
    }
    // Local refinement: two rounds of a 5×5 grid shrinking around the best node.
    let hv = vStep / 2;
    let hz = zStep / 2;
    for (let round = 0; round < 3; round++) {
      let cv = bv;
      let cz = bz;
      for (let dv = -2; dv <= 2; dv++) {
        for (let dz = -2; dz <= 2; dz++) {
          if (dv === 0 && dz === 0) continue;
          const v = bv + (dv * hv) / 2;
          const z = bz + (dz * hz) / 2;
          let sr = 0;
          let si = 0;
          for (let k = 0; k < K; k++) {
            const ph = a[k] * v + b[k] * z;
            const cr = Math.cos(ph);
            const ci = Math.sin(ph);
            sr += yr[k] * cr + yi[k] * ci;
            si += yi[k] * cr - yr[k] * ci;
          }
          const p = sr * sr + si * si;
          if (p > best) {
            best = p;
            cv = v;
            cz = z;
          }
        }
      }
      bv = cv;
      bz = cz;
      hv /= 2.5;
      hz /= 2.5;
    }
    const o = 3 * (e - from);
    out[o] = bv;
    out[o + 1] = bz;
    out[o + 2] = Math.sqrt(best) / K;
  }
}

/** Ensemble coherence of one arc for a given (Δv, Δz); the closed form the search maximises. */
export function arcCoherence(phase: Float32Array, K: number, i: number, j: number, m: ArcModel, dv: number, dz: number): number {
  let sr = 0;
  let si = 0;
  for (let k = 0; k < K; k++) {
    const ar = phase[(i * K + k) * 2];
    const ai = phase[(i * K + k) * 2 + 1];
    const br = phase[(j * K + k) * 2];
    const bi = phase[(j * K + k) * 2 + 1];
    const yr = ar * br + ai * bi;
    const yi = ai * br - ar * bi;
    const ph = m.a[k] * dv + m.b[k] * dz;
    sr += yr * Math.cos(ph) + yi * Math.sin(ph);
    si += yi * Math.cos(ph) - yr * Math.sin(ph);
  }
  return Math.hypot(sr, si) / K;
}
