/**
 * WGSL source for tiled GEMMs whose operands are never materialised: every convolution of the U-Net
 * (forward, input gradient, filter gradient; 3×3 "same" and 2×2 stride-2 transposed) is
 * C[m, n] = Σ_k A(m, k) · B(k, n) with A and B read through index maps (implicit GEMM), and the bias,
 * activation, dropout or gradient mask applied as C is stored (fused epilogue).
 *
 * One workgroup computes a BM×BN tile of C; its threads stage BK-deep slices of A and B in workgroup
 * memory and each accumulates a TM×TN block in registers. Along z a dispatch either splits K
 * (`zMode: "split"`, each slice writes its own partial C, summed later) or selects one of several
 * independent GEMMs that share their shapes (`zMode: "select"`, e.g. the four taps of a 2×2 transposed
 * convolution). Shapes and offsets are compile-time constants, so index arithmetic by constant divisors
 * compiles to multiplies.
 */

export interface GemmTile {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
}

export interface GemmSpec {
  /** For messages and pipeline labels. */
  label: string;
  M: number;
  N: number;
  K: number;
  /** Workgroups along z: K slices (`split`) or independent variants (`select`). */
  zCount: number;
  zMode: "split" | "select";
  /**
   * WGSL declarations (bindings, constants, helpers) and three functions the template calls with indices
   * already known to be inside M, N and K:
   *   fn loadA(m: u32, k: u32, z: u32) -> f32
   *   fn loadB(k: u32, n: u32, z: u32) -> f32
   *   fn store(m: u32, n: u32, z: u32, acc: f32)
   */
  body: string;
  /** Which index runs fastest across threads when A is staged (the one contiguous in memory). */
  aFast: "m" | "k";
  bFast: "n" | "k";
  tile: GemmTile;
  /**
   * Also store the column sums of B (Σ_k B[k, n]) as row `biasRow` through `store`: a filter gradient's
   * bias gradient, without a row of ones that would cost a whole extra tile of A.
   */
  biasRow?: number;
  /**
   * Write the raw partial products of each z slice to `dst[(z·M + m)·N + n]` instead of calling `store`;
   * `splitEpilogueWgsl` then sums the slices and applies `store` (split-K for grids too small to fill a GPU).
   */
  rawPartials?: boolean;
}

/**
 * Tile shape for a GEMM: 128–256 threads, wide tiles for wide N, tall narrow ones for the U-Net's
 * 16-channel levels, and smaller tiles when the grid would leave a large GPU's multiprocessors idle
 * (`zCount` workgroups already run along z).
 */
export function chooseTile(M: number, N: number, K: number, zCount = 1, minGroups = 264, prefer: { TM?: number; BK?: number } = {}): GemmTile {
  const BN = Math.min(64, Math.max(4, 1 << Math.ceil(Math.log2(Math.max(1, N)))));
  const TN = BN >= 16 ? 4 : BN >= 8 ? 2 : 1;
  const threadsN = BN / TN;
  // DLAB_GPU_TM16 sets the rows per thread of 16-wide tiles (tuning runs; 4 by default).
  const TM = prefer.TM ?? (BN >= 32 ? 8 : BN === 16 ? Number(process.env.DLAB_GPU_TM16 ?? 4) : 4);
  let threadsM = Math.max(4, (BN >= 64 ? 256 : 128) / threadsN);
  while (threadsM > 4 && (threadsM / 2) * TM >= M) threadsM /= 2;
  const groups = (tm: number): number => Math.ceil(M / (tm * TM)) * Math.ceil(N / BN) * zCount;
  while (threadsM > 4 && groups(threadsM) < minGroups) threadsM /= 2;
  // Balance the row tiles so the last one is not mostly padding (e.g. 144 filter rows: 2 tiles of 72, not 2 of 128).
  const tiles = Math.ceil(M / (threadsM * TM));
  threadsM = Math.max(1, Math.ceil(M / tiles / TM));
  const BK = prefer.BK ?? (K >= 16 ? 16 : 8);
  return { BM: threadsM * TM, BN, BK, TM, TN };
}

/**
 * Workgroups a split-K GEMM aims for: 1056 = 8 per multiprocessor of an H100/H200, the best of 528–2112 in
 * the H200 runs (bench/notes/gpu-engine.md, run 6); `DLAB_GPU_GROUPS` overrides.
 */
export function gpuGroupTarget(): number {
  return Number(process.env.DLAB_GPU_GROUPS ?? 1056);
}

/** Threads of a workgroup for a tile. */
export function tileThreads(t: GemmTile): number {
  return (t.BM / t.TM) * (t.BN / t.TN);
}

/** K covered by each z slice of a split GEMM (a multiple of BK). */
export function splitK(K: number, splits: number, BK: number): number {
  return Math.ceil(Math.ceil(K / splits) / BK) * BK;
}

export function gemmDispatch(s: GemmSpec): [number, number, number] {
  return [Math.ceil(s.N / s.tile.BN), Math.ceil(s.M / s.tile.BM), s.zCount];
}

/** WGSL of one GEMM pipeline. */
export function gemmWgsl(s: GemmSpec): string {
  const { BM, BN, BK, TM, TN } = s.tile;
  const TX = BN / TN;
  const TY = BM / TM;
  const T = TX * TY;
  if (!Number.isInteger(TX) || !Number.isInteger(TY)) throw new Error(`${s.label}: tile ${JSON.stringify(s.tile)} does not divide into threads`);
  const kPerZ = s.zMode === "split" ? splitK(s.K, s.zCount, BK) : s.K;
  // Rows of the staged tiles are padded by one float when k runs fastest across threads, so that the
  // threads of a warp store to different banks.
  const AP = s.aFast === "k" ? BM + 1 : BM;
  const BP = s.bFast === "k" ? BN + 1 : BN;
  // Staging loops. When the thread count is a multiple of the fast extent, each thread's fast index is
  // the same in every iteration, so the index arithmetic that depends on it (the im2col row or pixel
  // decomposition in the loaders) is hoisted out of the loop by the compiler.
  const stage = (tile: "A" | "B", fastIsK: boolean, F: number, S: number, pitch: number, load: string): string => {
    const other = tile === "A" ? "mm" : "nn";
    const [outer, inner] = fastIsK ? ["kk", other] : [other, "kk"];
    const body = `var v = 0.0;
        ${load}
        ${tile}s[kk * ${pitch}u + ${other}] = v;`;
    if (T % F === 0) {
      return `{
      let ${outer} = lid % ${F}u;
      for (var ${inner} = lid / ${F}u; ${inner} < ${S}u; ${inner} += ${T / F}u) {
        ${body}
      }
    }`;
    }
    return `for (var i = lid; i < ${F * S}u; i += ${T}u) {
      let ${outer} = i % ${F}u;
      let ${inner} = i / ${F}u;
      ${body}
    }`;
  };
  const bias = s.biasRow !== undefined;
  if (bias && s.rawPartials) throw new Error(`${s.label}: biasRow and rawPartials cannot be combined`);
  const aK = s.aFast === "k";
  const bK = s.bFast === "k";
  const stageA = stage("A", aK, aK ? BK : BM, aK ? BM : BK, AP, "if (m0 + mm < GM && k0 + kk < kEnd) { v = loadA(m0 + mm, k0 + kk, z); }");
  const stageB = stage("B", bK, bK ? BK : BN, bK ? BN : BK, BP, "if (n0 + nn < GN && k0 + kk < kEnd) { v = loadB(k0 + kk, n0 + nn, z); }");
  return /* wgsl */ `
const GM: u32 = ${s.M}u;
const GN: u32 = ${s.N}u;
const GK: u32 = ${s.K}u;
${s.body}

var<workgroup> As: array<f32, ${AP * BK}>;
var<workgroup> Bs: array<f32, ${BK * BP}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tx = lid % ${TX}u;
  let ty = lid / ${TX}u;
  let m0 = wg.y * ${BM}u;
  let n0 = wg.x * ${BN}u;
  let z = wg.z;
  let kBegin = ${s.zMode === "split" ? `z * ${kPerZ}u` : "0u"};
  let kEnd = min(GK, kBegin + ${kPerZ}u);
  var acc: array<f32, ${TM * TN}>;
  for (var i = 0u; i < ${TM * TN}u; i++) { acc[i] = 0.0; }
  var a: array<f32, ${TM}>;
  var b: array<f32, ${TN}>;
  ${bias ? `var bsum: array<f32, ${TN}>;
  for (var j = 0u; j < ${TN}u; j++) { bsum[j] = 0.0; }
  let sumsB = wg.y == 0u && ty == 0u;` : ""}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}u) {
${stageA}
${stageB}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      for (var i = 0u; i < ${TM}u; i++) { a[i] = As[kk * ${AP}u + i * ${TY}u + ty]; }
      for (var j = 0u; j < ${TN}u; j++) { b[j] = Bs[kk * ${BP}u + j * ${TX}u + tx]; }
      ${bias ? `if (sumsB) { for (var j = 0u; j < ${TN}u; j++) { bsum[j] += b[j]; } }` : ""}
      for (var i = 0u; i < ${TM}u; i++) {
        for (var j = 0u; j < ${TN}u; j++) { acc[i * ${TN}u + j] = fma(a[i], b[j], acc[i * ${TN}u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${TM}u; i++) {
    let m = m0 + i * ${TY}u + ty;
    if (m >= GM) { continue; }
    for (var j = 0u; j < ${TN}u; j++) {
      let n = n0 + j * ${TX}u + tx;
      if (n < GN) { ${s.rawPartials ? "dst[(z * GM + m) * GN + n] = acc[i * " + TN + "u + j];" : "store(m, n, z, acc[i * " + TN + "u + j]);"} }
    }
  }
  ${bias ? `if (sumsB) {
    for (var j = 0u; j < ${TN}u; j++) {
      let n = n0 + j * ${TX}u + tx;
      if (n < GN) { store(${s.biasRow}u, n, z, bsum[j]); }
    }
  }` : ""}
}
`;
}

/**
 * The second pass of a `rawPartials` GEMM: one thread per output element sums the z slices (read from
 * `srcA`, the first binding) in order and applies the spec's own `store` epilogue.
 */
export function splitEpilogueWgsl(s: GemmSpec): string {
  const total = s.M * s.N;
  return /* wgsl */ `
const GM: u32 = ${s.M}u;
const GN: u32 = ${s.N}u;
const GK: u32 = ${s.K}u;
${s.body}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i >= ${total}u) { return; }
  var acc = 0.0;
  for (var z = 0u; z < ${s.zCount}u; z++) { acc += srcA[z * ${total}u + i]; }
  store(i / GN, i % GN, 0u, acc);
}
`;
}

/**
 * A split-K version of a one-pass GEMM whose grid would leave a large GPU idle (the U-Net's bottom levels:
 * few output tiles, long K), or null when one pass fills it. The split GEMM writes raw partials; its
 * epilogue pass (`splitEpilogueWgsl`) sums them and stores as the original would.
 */
export function splitForGrid(s: GemmSpec, groups = gpuGroupTarget(), minK = 256): GemmSpec | null {
  if (s.zCount !== 1 || s.biasRow !== undefined || s.K < 2 * minK) return null;
  const tile = chooseTile(s.M, s.N, s.K, 1, 0);
  const tiles = Math.ceil(s.M / tile.BM) * Math.ceil(s.N / tile.BN);
  if (tiles * 2 >= groups) return null;
  const splits = Math.min(Math.floor(s.K / minK), Math.ceil(groups / tiles));
  if (splits < 2) return null;
  return { ...s, label: `${s.label} split ${splits}`, zCount: splits, zMode: "split", tile, rawPartials: true };
}
