/**
 * The temporal coherence of multilooked cells from their network of interferograms (the paper's
 * threshold 0.38 applies to it; the paper does not define it, see selection.ts for the two estimators).
 */

/**
 * StaMPS-style temporal coherence of every cell of a block: per interferogram the unit phasors' box sum
 * over the window minus the cell itself gives the neighbourhood phase φ̃; γ = |mean_q e^{i(φ_q − φ̃_q)}|.
 */
export function spatialResidualCoherence(
  ire: Float32Array,
  iim: Float32Array,
  P: number,
  rows: number,
  cols: number,
  half: number,
): Float32Array {
  const nc = rows * cols;
  const accR = new Float64Array(nc);
  const accI = new Float64Array(nc);
  const ur = new Float64Array(nc);
  const ui = new Float64Array(nc);
  const tr = new Float64Array(nc);
  const ti = new Float64Array(nc);
  for (let q = 0; q < P; q++) {
    for (let c = 0; c < nc; c++) {
      const m = Math.hypot(ire[q * nc + c], iim[q * nc + c]);
      ur[c] = m > 0 ? ire[q * nc + c] / m : 0;
      ui[c] = m > 0 ? iim[q * nc + c] / m : 0;
    }
    // Separable box sums: along columns, then along rows.
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sr = 0;
        let si = 0;
        for (let d = Math.max(0, c - half); d <= Math.min(cols - 1, c + half); d++) {
          sr += ur[r * cols + d];
          si += ui[r * cols + d];
        }
        tr[r * cols + c] = sr;
        ti[r * cols + c] = si;
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let lr = 0;
        let li = 0;
        for (let d = Math.max(0, r - half); d <= Math.min(rows - 1, r + half); d++) {
          lr += tr[d * cols + c];
          li += ti[d * cols + c];
        }
        const j = r * cols + c;
        lr -= ur[j];
        li -= ui[j];
        const zr = ur[j] * lr + ui[j] * li;
        const zi = ui[j] * lr - ur[j] * li;
        const m = Math.hypot(zr, zi);
        if (m > 0) {
          accR[j] += zr / m;
          accI[j] += zi / m;
        }
      }
    }
  }
  const out = new Float32Array(nc);
  for (let c = 0; c < nc; c++) out[c] = Math.hypot(accR[c], accI[c]) / P;
  return out;
}

/** Mean network coherence over `2·half+1` cells in azimuth (a window in range would mix cells). */
export function windowCoherence(
  c: number,
  cr: number,
  cRows: number,
  mlW: number,
  nc: number,
  pairs: [number, number][],
  ire: Float32Array,
  iim: Float32Array,
  pow: Float32Array,
  half: number,
): number {
  const P = pairs.length;
  let acc = 0;
  for (let q = 0; q < P; q++) {
    const [m, nn] = pairs[q];
    let re = 0;
    let im = 0;
    let pm = 0;
    let pn = 0;
    for (let dr = -half; dr <= half; dr++) {
      const r = cr + dr;
      if (r < 0 || r >= cRows) continue;
      const cell = r * mlW + (c % mlW);
      re += ire[q * nc + cell];
      im += iim[q * nc + cell];
      pm += pow[m * nc + cell];
      pn += pow[nn * nc + cell];
    }
    const d = Math.sqrt(pm * pn);
    acc += d > 0 ? Math.hypot(re, im) / d : 0;
  }
  return acc / P;
}
