/** Small dense linear algebra for the few-parameter least-squares problems of this area. */

/** Solves the symmetric positive (semi)definite system A x = b by Gauss–Jordan with pivoting; null if singular. */
export function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    const scale = Math.max(...A.map((r) => Math.abs(r[c])), 1e-300);
    if (Math.abs(M[piv][c]) < 1e-13 * scale) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

export function invert(A: number[][]): number[][] | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const x = solve(A, e);
    if (!x) return null;
    cols.push(x);
  }
  return A.map((_, i) => cols.map((c) => c[i]));
}

/**
 * Least squares for the linear parameters of a design with k columns; `fill(i, row)` writes row i.
 * Works on the normal equations without storing the design (the start-value grid calls it thousands
 * of times). Returns the coefficients and the SSE.
 */
export function linearLsq(n: number, k: number, fill: (i: number, row: Float64Array) => void, y: ArrayLike<number>): { coef: number[]; sse: number } | null {
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  const row = new Float64Array(k);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    fill(i, row);
    const yi = y[i];
    yy += yi * yi;
    for (let p = 0; p < k; p++) {
      const rp = row[p];
      if (rp === 0) continue;
      b[p] += rp * yi;
      for (let q = 0; q < k; q++) A[p][q] += rp * row[q];
    }
  }
  const coef = solve(A, b);
  if (!coef) return null;
  // SSE = yᵀy − 2 cᵀXᵀy + cᵀXᵀXc = yᵀy − cᵀXᵀy at the least-squares solution.
  let cb = 0;
  for (let p = 0; p < k; p++) cb += coef[p] * b[p];
  return { coef, sse: Math.max(0, yy - cb) };
}
