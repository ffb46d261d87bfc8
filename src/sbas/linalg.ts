/**
 * Small dense and banded linear algebra for per-pixel least squares. The SBAS normal matrix BᵀWB of
 * the minimum-norm-velocity design is banded (an interferogram spanning k intervals couples only
 * those k velocities), so a band Cholesky costs O(n·b²) instead of O(n³): with nearest-neighbour
 * networks b is 2–5 and a 150-date pixel solves in a few microseconds.
 */

/**
 * In-place Cholesky of a symmetric positive definite matrix stored dense row-major (n×n, lower
 * triangle used) whose non-zeros lie within `band` sub-diagonals. Returns false on a pivot at or
 * below `tol` (rank deficiency), leaving `a` partly overwritten.
 */
export function choleskyBanded(a: Float64Array, n: number, band: number, tol: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    const k0 = Math.max(0, j - band);
    let d = a[rowJ + j];
    for (let k = k0; k < j; k++) d -= a[rowJ + k] * a[rowJ + k];
    if (!(d > tol)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    const iMax = Math.min(n - 1, j + band);
    for (let i = j + 1; i <= iMax; i++) {
      const rowI = i * n;
      let s = a[rowI + j];
      const kk0 = Math.max(k0, i - band);
      for (let k = kk0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (b becomes x) for a banded Cholesky factor from `choleskyBanded`. */
export function choleskySolveBanded(l: Float64Array, n: number, band: number, b: Float64Array, off = 0): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = b[off + i];
    for (let k = Math.max(0, i - band); k < i; k++) s -= l[row + k] * b[off + k];
    b[off + i] = s / l[row + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[off + i];
    const kMax = Math.min(n - 1, i + band);
    for (let k = i + 1; k <= kMax; k++) s -= l[k * n + i] * b[off + k];
    b[off + i] = s / l[i * n + i];
  }
}

/** y = M x for a symmetric banded matrix given by its lower triangle (dense storage). */
export function symBandedMul(m: Float64Array, n: number, band: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const j0 = Math.max(0, i - band);
    const j1 = Math.min(n - 1, i + band);
    for (let j = j0; j <= j1; j++) s += (j <= i ? m[i * n + j] : m[j * n + i]) * x[j];
    y[i] = s;
  }
}

/** Copies the lower band (diagonal and `band` sub-diagonals) of a dense row-major matrix. */
export function copyBand(src: Float64Array, dst: Float64Array, n: number, band: number): void {
  for (let i = 0; i < n; i++) {
    const b = i * n + i;
    for (let a = i * n + Math.max(0, i - band); a <= b; a++) dst[a] = src[a];
  }
}

/**
 * Solves the symmetric positive semi-definite system N x = b. Full rank: Cholesky. Rank deficient
 * (pivot ≤ rtol·max diag): the minimum-norm solution, as LAPACK gelsd (MintPy's scipy lstsq) gives,
 * by Tikhonov regularisation (N + εI) with iterative refinement; b lies in range(N) for a least-squares
 * normal equation, so the refinement converges to the null-space-free solution.
 * `work` must hold 2·n² + 3·n doubles. Returns whether the system was rank deficient.
 */
export function solveSpd(
  nMat: Float64Array,
  n: number,
  band: number,
  b: Float64Array,
  x: Float64Array,
  work: Float64Array,
  rtol = 1e-9,
): boolean {
  const nn = n * n;
  const fac = work.subarray(0, nn);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, nMat[i * n + i]);
  if (!(maxDiag > 0)) {
    x.fill(0, 0, n);
    return true;
  }
  copyBand(nMat, fac, n, band);
  if (choleskyBanded(fac, n, band, rtol * maxDiag)) {
    for (let i = 0; i < n; i++) x[i] = b[i];
    choleskySolveBanded(fac, n, band, x);
    return false;
  }
  const eps = 1e-10 * maxDiag;
  copyBand(nMat, fac, n, band);
  for (let i = 0; i < n; i++) fac[i * n + i] += eps;
  // Regularised matrix is positive definite for any eps > 0.
  choleskyBanded(fac, n, band, 0);
  for (let i = 0; i < n; i++) x[i] = b[i];
  choleskySolveBanded(fac, n, band, x);
  const r = work.subarray(nn, nn + n);
  for (let it = 0; it < 3; it++) {
    symBandedMul(nMat, n, band, x, r);
    for (let i = 0; i < n; i++) r[i] = b[i] - r[i];
    choleskySolveBanded(fac, n, band, r);
    for (let i = 0; i < n; i++) x[i] += r[i];
  }
  return true;
}

/**
 * Ordinary least squares for a small dense design G (m×p, row-major) and one right-hand side.
 * Returns the solution, the residual sum of squares and diag((GᵀG)⁻¹) (for standard deviations).
 */
export function lstsqSmall(g: Float64Array, m: number, p: number, y: ArrayLike<number>): {
  x: Float64Array;
  rss: number;
  covDiag: Float64Array;
  rankDeficient: boolean;
} {
  const nMat = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let r = 0; r < m; r++) {
    const yr = y[r];
    for (let i = 0; i < p; i++) {
      const gi = g[r * p + i];
      b[i] += gi * yr;
      for (let j = 0; j <= i; j++) nMat[i * p + j] += gi * g[r * p + j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) nMat[i * p + j] = nMat[j * p + i];
  const x = new Float64Array(p);
  const work = new Float64Array(2 * p * p + 3 * p);
  const rankDeficient = solveSpd(nMat, p, p, b, x, work);
  let rss = 0;
  for (let r = 0; r < m; r++) {
    let s = y[r];
    for (let i = 0; i < p; i++) s -= g[r * p + i] * x[i];
    rss += s * s;
  }
  const covDiag = new Float64Array(p);
  const inv = invSpd(nMat, p);
  for (let i = 0; i < p; i++) covDiag[i] = inv ? inv[i * p + i] : NaN;
  return { x, rss, covDiag, rankDeficient };
}

/** Inverse of a small SPD matrix (dense), or null when singular. */
export function invSpd(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(a);
  let maxDiag = 0;
  for (let i = 0; i < p; i++) maxDiag = Math.max(maxDiag, a[i * p + i]);
  if (!choleskyBanded(l, p, p, 1e-12 * maxDiag)) return null;
  const inv = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    e.fill(0);
    e[c] = 1;
    choleskySolveBanded(l, p, p, e);
    for (let r = 0; r < p; r++) inv[r * p + c] = e[r];
  }
  return inv;
}

/**
 * Factor once, solve for many pixels: the precomputed pseudo-inverse P = (GᵀG)⁻¹Gᵀ (p×m) of a
 * design shared by many pixels (time functions, DEM-error model with common geometry).
 */
export function pseudoInverse(g: Float64Array, m: number, p: number): Float64Array {
  const nMat = new Float64Array(p * p);
  for (let r = 0; r < m; r++)
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) nMat[i * p + j] += g[r * p + i] * g[r * p + j];
  const work = new Float64Array(2 * p * p + 3 * p);
  const out = new Float64Array(p * m);
  const col = new Float64Array(p);
  const x = new Float64Array(p);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < p; i++) col[i] = g[r * p + i];
    solveSpd(nMat, p, p, col, x, work);
    for (let i = 0; i < p; i++) out[i * m + r] = x[i];
  }
  return out;
}
