/**
 * The small dense linear algebra phase linking needs, for one distributed scatterer at a time with N
 * dates (30–85): a real Cholesky inverse of the coherence magnitude Γ̂ and the eigenvector of the
 * smallest eigenvalue of the Hermitian Γ̂⁻¹∘Ĉ by inverse iteration on its complex Cholesky factor.
 *
 * Why hand-written: the only operations needed are O(N³) Cholesky and O(N²) triangular solves on
 * matrices of at most 85×85; the npm linear-algebra packages either lack complex Hermitian
 * eigen-solvers (ml-matrix is real-only) or bring WebAssembly/BLAS bindings that tslab's CommonJS
 * build and the two-core machine gain nothing from. A full eigendecomposition (Jacobi: O(N³) per
 * sweep, ~10 sweeps) is also unnecessary when one eigenvector is wanted: inverse iteration converges
 * in a handful of O(N²) steps once the factor exists.
 *
 * Complex matrices are split: re[i*N + j], im[i*N + j], row-major.
 */

/** In-place real Cholesky L·Lᵀ (lower triangle of `a` overwritten). False when not positive definite. */
export function choleskyReal(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  return true;
}

/** Inverse of a symmetric positive-definite matrix, or null when it is not positive definite. */
export function inverseSpd(a: Float64Array, n: number): Float64Array | null {
  const l = Float64Array.from(a);
  if (!choleskyReal(l, n)) return null;
  // L⁻¹ column by column (forward substitution on unit vectors), then A⁻¹ = L⁻ᵀ·L⁻¹.
  const li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    li[c * n + c] = 1 / l[c * n + c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s -= l[i * n + k] * li[k * n + c];
      li[i * n + c] = s / l[i * n + i];
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** In-place complex Hermitian Cholesky M = L·Lᴴ (lower triangles of re/im overwritten). */
export function choleskyHermitian(re: Float64Array, im: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = re[j * n + j];
    for (let k = 0; k < j; k++) d -= re[j * n + k] ** 2 + im[j * n + k] ** 2;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    re[j * n + j] = l;
    im[j * n + j] = 0;
    for (let i = j + 1; i < n; i++) {
      // L_ij = (M_ij − Σ_k L_ik·conj(L_jk)) / L_jj
      let sr = re[i * n + j];
      let si = im[i * n + j];
      for (let k = 0; k < j; k++) {
        const ar = re[i * n + k];
        const ai = im[i * n + k];
        const br = re[j * n + k];
        const bi = im[j * n + k];
        sr -= ar * br + ai * bi;
        si -= ai * br - ar * bi;
      }
      re[i * n + j] = sr / l;
      im[i * n + j] = si / l;
    }
  }
  return true;
}

/** Solves L·Lᴴ·x = b in place (b → x) with the factor from choleskyHermitian. */
export function solveHermitian(lr: Float64Array, li: Float64Array, n: number, xr: Float64Array, xi: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let sr = xr[i];
    let si = xi[i];
    for (let k = 0; k < i; k++) {
      const ar = lr[i * n + k];
      const ai = li[i * n + k];
      sr -= ar * xr[k] - ai * xi[k];
      si -= ar * xi[k] + ai * xr[k];
    }
    xr[i] = sr / lr[i * n + i];
    xi[i] = si / lr[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sr = xr[i];
    let si = xi[i];
    for (let k = i + 1; k < n; k++) {
      // conj(L_ki)·x_k
      const ar = lr[k * n + i];
      const ai = -li[k * n + i];
      sr -= ar * xr[k] - ai * xi[k];
      si -= ar * xi[k] + ai * xr[k];
    }
    xr[i] = sr / lr[i * n + i];
    xi[i] = si / lr[i * n + i];
  }
}

/**
 * Eigenvector of the smallest eigenvalue of a Hermitian positive-semidefinite matrix by inverse
 * iteration from `start` (overwritten with the unit-norm result). A tiny diagonal shift keeps the
 * factorisation possible when the smallest eigenvalue is (numerically) zero. Returns the Rayleigh
 * quotient (the eigenvalue) or NaN when the matrix could not be factorised.
 */
export function smallestEigenvector(
  mr: Float64Array,
  mi: Float64Array,
  n: number,
  xr: Float64Array,
  xi: Float64Array,
  maxIter = 200,
  tol = 1e-10,
): number {
  let trace = 0;
  for (let k = 0; k < n; k++) trace += mr[k * n + k];
  let shift = 1e-10 * Math.max(trace / n, 1e-300);
  let lr = new Float64Array(0);
  let li = new Float64Array(0);
  let ok = false;
  for (let attempt = 0; attempt < 8 && !ok; attempt++, shift *= 100) {
    lr = Float64Array.from(mr);
    li = Float64Array.from(mi);
    for (let k = 0; k < n; k++) lr[k * n + k] += shift;
    ok = choleskyHermitian(lr, li, n);
  }
  if (!ok) return NaN;
  const normalise = (): void => {
    let s = 0;
    for (let k = 0; k < n; k++) s += xr[k] * xr[k] + xi[k] * xi[k];
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < n; k++) {
      xr[k] *= f;
      xi[k] *= f;
    }
  };
  normalise();
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let it = 0; it < maxIter; it++) {
    pr.set(xr);
    pi.set(xi);
    solveHermitian(lr, li, n, xr, xi);
    normalise();
    // Change of direction ‖x − c·x_prev‖ with the free global phase c aligned; computed from the
    // differences (not as 1 − |⟨x_prev, x⟩|, which rounds to 0 at angles of 1e-8).
    let dr = 0;
    let di = 0;
    for (let k = 0; k < n; k++) {
      dr += pr[k] * xr[k] + pi[k] * xi[k];
      di += pr[k] * xi[k] - pi[k] * xr[k];
    }
    const m = Math.hypot(dr, di) || 1;
    const cr = dr / m;
    const ci = di / m;
    let change = 0;
    for (let k = 0; k < n; k++) change += (xr[k] - (cr * pr[k] - ci * pi[k])) ** 2 + (xi[k] - (cr * pi[k] + ci * pr[k])) ** 2;
    if (Math.sqrt(change) < tol) break;
  }
  // Rayleigh quotient xᴴ·M·x.
  let q = 0;
  for (let i = 0; i < n; i++) {
    let yr = 0;
    let yi = 0;
    for (let j = 0; j < n; j++) {
      yr += mr[i * n + j] * xr[j] - mi[i * n + j] * xi[j];
      yi += mr[i * n + j] * xi[j] + mi[i * n + j] * xr[j];
    }
    q += xr[i] * yr + xi[i] * yi;
  }
  return q;
}
