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
}

/**
 * Tile shape for a GEMM: 128–256 threads, wide tiles for wide N, tall narrow ones for the U-Net's
 * 16-channel levels, and smaller tiles when the grid would leave a large GPU's multiprocessors idle
 * (`zCount` workgroups already run along z).
 */
export function chooseTile(M: number, N: number, K: number, zCount = 1, minGroups = 264): GemmTile {
  const BN = Math.min(64, Math.max(4, 1 << Math.ceil(Math.log2(Math.max(1, N)))));
  const TN = BN >= 16 ? 4 : BN >= 8 ? 2 : 1;
  const threadsN = BN / TN;
  // DLAB_GPU_TM16 sets the rows per thread of 16-wide tiles (tuning runs; 4 by default).
  const TM = BN >= 32 ? 8 : BN === 16 ? Number(process.env.DLAB_GPU_TM16 ?? 4) : 4;
  let threadsM = Math.max(4, (BN >= 64 ? 256 : 128) / threadsN);
  while (threadsM > 4 && (threadsM / 2) * TM >= M) threadsM /= 2;
  const groups = (tm: number): number => Math.ceil(M / (tm * TM)) * Math.ceil(N / BN) * zCount;
  while (threadsM > 4 && groups(threadsM) < minGroups) threadsM /= 2;
  const BK = K >= 16 ? 16 : 8;
  return { BM: threadsM * TM, BN, BK, TM, TN };
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
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}u) {
${stageA}
${stageB}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      for (var i = 0u; i < ${TM}u; i++) { a[i] = As[kk * ${AP}u + i * ${TY}u + ty]; }
      for (var j = 0u; j < ${TN}u; j++) { b[j] = Bs[kk * ${BP}u + j * ${TX}u + tx]; }
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
      if (n < GN) { store(m, n, z, acc[i * ${TN}u + j]); }
    }
  }
}
`;
}
