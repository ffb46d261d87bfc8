/**
 * Weighted least squares on an arc graph: min Σ w_e (x_i − x_j − d_e)² with one node fixed. The normal
 * matrix is a weighted graph Laplacian with the reference row/column removed; it is solved by conjugate
 * gradients preconditioned with an aggregation multigrid V-cycle (sparse, memory linear in arcs: 100 000
 * PS stay cheap), for many right-hand sides at once (the per-date residual integration).
 */
export interface ArcGraph {
  n: number;
  i: Int32Array;
  j: Int32Array;
  /** Weight per arc (0 = not used). */
  w: Float64Array;
}

/** Solves min Σ w_e (x_i − x_j − d_e)² with x_ref = 0, over nodes where `active` is set. */
export function solveArcLsq(g: ArcGraph, d: Float64Array, ref: number, active: Uint8Array, tol = 1e-9, maxIter = 5000): Float64Array {
  return solveArcLsqMulti(g, d, 1, ref, active, tol, maxIter);
}

/**
 * Aggregation multigrid preconditioner: greedy graph aggregates (a node and its free neighbours), a
 * Galerkin coarse Laplacian per level, and a symmetric V-cycle with damped-Jacobi smoothing. Jacobi alone
 * needs O(network diameter²) CG iterations on these Laplacians; with the V-cycle a few tens suffice.
 */
interface Level {
  n: number;
  ea: Int32Array;
  eb: Int32Array;
  ew: Float64Array;
  /** 1/diagonal for free nodes, 0 for fixed ones. */
  inv: Float64Array;
  free: Float64Array;
  /** Node → aggregate on the next level (absent on the coarsest). */
  map?: Int32Array;
}

function buildLevels(n: number, es: number[], ai: Int32Array, aj: Int32Array, w: Float64Array, free: Float64Array, inv: Float64Array): Level[] {
  const levels: Level[] = [
    { n, ea: Int32Array.from(es, (e) => ai[e]), eb: Int32Array.from(es, (e) => aj[e]), ew: Float64Array.from(es, (e) => w[e]), inv, free },
  ];
  for (let depth = 0; depth < 30; depth++) {
    const L = levels[levels.length - 1];
    if (L.n <= 64) break;
    const start = new Int32Array(L.n + 1);
    for (let e = 0; e < L.ea.length; e++) {
      start[L.ea[e] + 1]++;
      start[L.eb[e] + 1]++;
    }
    for (let k = 0; k < L.n; k++) start[k + 1] += start[k];
    const adj = new Int32Array(start[L.n]);
    const fill = start.slice(0, L.n);
    for (let e = 0; e < L.ea.length; e++) {
      adj[fill[L.ea[e]]++] = L.eb[e];
      adj[fill[L.eb[e]]++] = L.ea[e];
    }
    const agg = new Int32Array(L.n).fill(-1);
    let nc = 0;
    for (let k = 0; k < L.n; k++) {
      if (agg[k] >= 0) continue;
      agg[k] = nc;
      for (let q = start[k]; q < start[k + 1]; q++) if (agg[adj[q]] < 0) agg[adj[q]] = nc;
      nc++;
    }
    if (nc >= 0.8 * L.n) break;
    const cfree = new Float64Array(nc).fill(1);
    for (let k = 0; k < L.n; k++) if (!L.free[k]) cfree[agg[k]] = 0;
    const diag = new Float64Array(nc);
    const edges = new Map<number, number>();
    for (let e = 0; e < L.ea.length; e++) {
      const ca = agg[L.ea[e]];
      const cb = agg[L.eb[e]];
      if (ca === cb) continue;
      diag[ca] += L.ew[e];
      diag[cb] += L.ew[e];
      const key = ca < cb ? ca * nc + cb : cb * nc + ca;
      edges.set(key, (edges.get(key) ?? 0) + L.ew[e]);
    }
    const ea = new Int32Array(edges.size);
    const eb = new Int32Array(edges.size);
    const ew = new Float64Array(edges.size);
    let q = 0;
    for (const [key, wt] of edges) {
      ea[q] = Math.floor(key / nc);
      eb[q] = key % nc;
      ew[q] = wt;
      q++;
    }
    L.map = agg;
    levels.push({ n: nc, ea, eb, ew, inv: Float64Array.from(diag, (v, c) => (v > 0 && cfree[c] ? 1 / v : 0)), free: cfree });
  }
  return levels;
}

function levelMatvec(L: Level, x: Float64Array, out: Float64Array, R: number): void {
  out.fill(0);
  const { ea, eb, ew, free } = L;
  for (let e = 0; e < ea.length; e++) {
    const a = ea[e];
    const b = eb[e];
    const fa = free[a];
    const fb = free[b];
    const wt = ew[e];
    const oa = a * R;
    const ob = b * R;
    for (let c = 0; c < R; c++) {
      const f = wt * (fa * x[oa + c] - fb * x[ob + c]);
      out[oa + c] += f;
      out[ob + c] -= f;
    }
  }
  for (let k = 0; k < L.n; k++) if (!free[k]) for (let c = 0; c < R; c++) out[k * R + c] = 0;
}

const JACOBI_OMEGA = 0.6;
/** Over-correction of the piecewise-constant coarse correction (unsmoothed aggregation under-shoots). */
const COARSE_SCALE = 2;

/** e = V-cycle(r) on level l (symmetric: damped Jacobi before and after the coarse correction). */
function vcycle(levels: Level[], l: number, r: Float64Array, R: number): Float64Array {
  const L = levels[l];
  const e = new Float64Array(L.n * R);
  if (l === levels.length - 1) {
    // Coarsest: a few Jacobi sweeps.
    const t = new Float64Array(L.n * R);
    for (let sweep = 0; sweep < 8; sweep++) {
      levelMatvec(L, e, t, R);
      for (let k = 0; k < L.n; k++) for (let c = 0; c < R; c++) e[k * R + c] += JACOBI_OMEGA * L.inv[k] * (r[k * R + c] - t[k * R + c]);
    }
    return e;
  }
  for (let k = 0; k < L.n; k++) for (let c = 0; c < R; c++) e[k * R + c] = JACOBI_OMEGA * L.inv[k] * r[k * R + c];
  const t = new Float64Array(L.n * R);
  levelMatvec(L, e, t, R);
  const C = levels[l + 1];
  const rc = new Float64Array(C.n * R);
  const map = L.map!;
  for (let k = 0; k < L.n; k++) {
    if (!L.free[k]) continue;
    const a = map[k] * R;
    for (let c = 0; c < R; c++) rc[a + c] += r[k * R + c] - t[k * R + c];
  }
  const ec = vcycle(levels, l + 1, rc, R);
  for (let k = 0; k < L.n; k++) {
    if (!L.free[k]) continue;
    const a = map[k] * R;
    for (let c = 0; c < R; c++) e[k * R + c] += COARSE_SCALE * ec[a + c];
  }
  levelMatvec(L, e, t, R);
  for (let k = 0; k < L.n; k++) for (let c = 0; c < R; c++) e[k * R + c] += JACOBI_OMEGA * L.inv[k] * (r[k * R + c] - t[k * R + c]);
  return e;
}

/**
 * The same least squares for R right-hand sides at once (`d` arc-major: d[e*R + r]; result node-major
 * x[k*R + r]). One conjugate-gradient recursion per right-hand side, but every iteration walks the arcs
 * once for all of them, which is what makes the per-date residual integration of 85 dates affordable.
 */
export function solveArcLsqMulti(
  g: ArcGraph,
  d: Float64Array,
  R: number,
  ref: number,
  active: Uint8Array,
  tol = 1e-9,
  maxIter = 5000,
  info?: { iterations: number; levels: number },
): Float64Array {
  const { n, i: ai, j: aj, w } = g;
  // Only arcs with weight between two free-or-reference nodes matter.
  const es: number[] = [];
  for (let e = 0; e < ai.length; e++) if (w[e] > 0 && active[ai[e]] && active[aj[e]]) es.push(e);
  const diag = new Float64Array(n);
  const rhs = new Float64Array(n * R);
  for (const e of es) {
    const we = w[e];
    const a = ai[e];
    const b = aj[e];
    diag[a] += we;
    diag[b] += we;
    for (let r = 0; r < R; r++) {
      rhs[a * R + r] += we * d[e * R + r];
      rhs[b * R + r] -= we * d[e * R + r];
    }
  }
  const free = new Float64Array(n);
  for (let k = 0; k < n; k++) free[k] = active[k] === 1 && k !== ref && diag[k] > 0 ? 1 : 0;
  const inv = Float64Array.from(diag, (v, k) => (free[k] ? 1 / v : 0));
  const levels = buildLevels(n, es, ai, aj, w, free, inv);
  const x = new Float64Array(n * R);
  const res = new Float64Array(n * R);
  const z = new Float64Array(n * R);
  const p = new Float64Array(n * R);
  const q = new Float64Array(n * R);
  const rz = new Float64Array(R);
  const bnorm = new Float64Array(R);
  const done = new Uint8Array(R);
  for (let k = 0; k < n; k++) {
    for (let r = 0; r < R; r++) {
      const v = free[k] * rhs[k * R + r];
      res[k * R + r] = v;
      bnorm[r] += v * v;
    }
  }
  z.set(vcycle(levels, 0, res, R));
  for (let k = 0; k < n * R; k++) {
    p[k] = z[k];
    rz[k % R] += res[k] * z[k];
  }
  let remaining = 0;
  for (let r = 0; r < R; r++) {
    if (bnorm[r] === 0) done[r] = 1;
    else remaining++;
  }
  const pq = new Float64Array(R);
  const rr = new Float64Array(R);
  const rzNew = new Float64Array(R);
  if (info) info.levels = levels.length;
  for (let it = 0; it < maxIter && remaining > 0; it++) {
    if (info) info.iterations = it + 1;
    q.fill(0);
    for (const e of es) {
      const we = w[e];
      const a = ai[e] * R;
      const b = aj[e] * R;
      const fa = free[ai[e]];
      const fb = free[aj[e]];
      for (let r = 0; r < R; r++) {
        const f = we * (fa * p[a + r] - fb * p[b + r]);
        q[a + r] += f;
        q[b + r] -= f;
      }
    }
    pq.fill(0);
    for (let k = 0; k < n; k++) {
      const f = free[k];
      for (let r = 0; r < R; r++) pq[r] += p[k * R + r] * q[k * R + r] * f;
    }
    rr.fill(0);
    for (let k = 0; k < n; k++) {
      const f = free[k];
      for (let r = 0; r < R; r++) {
        if (done[r] || !(pq[r] > 0)) continue;
        const alpha = rz[r] / pq[r];
        const o = k * R + r;
        x[o] += alpha * p[o];
        res[o] -= alpha * q[o] * f;
        rr[r] += res[o] * res[o];
      }
    }
    rzNew.fill(0);
    for (let r = 0; r < R; r++) {
      if (done[r]) continue;
      if (!(pq[r] > 0) || rr[r] <= tol * tol * bnorm[r]) {
        done[r] = 1;
        remaining--;
      }
    }
    z.set(vcycle(levels, 0, res, R));
    for (let o = 0; o < n * R; o++) rzNew[o % R] += res[o] * z[o];
    for (let r = 0; r < R; r++) {
      if (done[r]) continue;
      const beta = rzNew[r] / rz[r];
      rz[r] = rzNew[r];
      for (let k = 0; k < n; k++) p[k * R + r] = z[k * R + r] + beta * p[k * R + r];
    }
  }
  for (let k = 0; k < n; k++) if (!free[k]) for (let r = 0; r < R; r++) x[k * R + r] = 0;
  return x;
}
