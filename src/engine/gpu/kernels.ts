/**
 * WGSL for the U-Net's training step on WebGPU, each kernel fused as far as the graph allows:
 *
 * - 3×3 convolution forward with bias, ReLU and dropout in the store; its input gradient with the
 *   producer's ReLU/dropout mask in the store; its filter gradient with the bias gradient as the column
 *   sums of the output gradient (split-K partial sums); forward and input-gradient GEMMs too small to
 *   fill a GPU run split-K with an epilogue pass (gemm.ts `splitForGrid`);
 * - the 2×2 stride-2 transposed convolution as four tap GEMMs (forward), one GEMM over (tap, channel)
 *   (input gradient) and a split-K GEMM (filter gradient);
 * - concatenation never copies: the transposed convolution and the encoder's second convolution write
 *   into the two channel halves of one buffer, which the next convolution reads as a whole;
 * - 2×2 max-pool forward, and its backward merged with the skip connection's gradient and the ReLU mask;
 * - the 1×1 sigmoid head, binary cross-entropy from logits, its gradient, the head's input gradient and
 *   the step's confusion counts in one pass;
 * - the split-K sums and Adam in one pass over all parameters.
 *
 * Dropout masks come from a counter-based hash of (step seed, layer salt, element index), the same in
 * `dropoutKeep` (wgsl.ts), so tests can rebuild them on the CPU. The non-GEMM kernels are in elementwise.ts.
 */
import { chooseTile, gemmWgsl, gpuGroupTarget, splitK, type GemmSpec, type GemmTile } from "./gemm";
import { bindings, f, type View } from "./wgsl";

export { dropoutKeep, dropoutSalts, STEP_BYTES, STEP_WGSL, type View } from "./wgsl";
export { adamWgsl, headWgsl, poolBackwardWgsl, poolForwardWgsl, statsWgsl, type GradSegment } from "./elementwise";


/** Geometry of a 3×3 ("same", stride 1) convolution at one batch size. */
export interface ConvShape {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  k: number;
  /** Float offsets of the kernel (k·k·cin·cout, HWIO) and bias in the parameter buffer. */
  wOff: number;
  bOff: number;
}

export interface Epilogue {
  relu: boolean;
  /** Dropout rate applied after the activation in training steps (0: none). */
  dropout: number;
  salt: number;
}

export interface GradMask {
  /** Multiply by `scale` where the forward input (in `aux`) is > 0, else 0 (ReLU and dropout derivative). */
  relu: boolean;
  scale: number;
  view: View;
}

function tileFor(M: number, N: number, K: number, override?: Partial<GemmTile>, zCount = 1, minGroups?: number, prefer?: { TM?: number; BK?: number }): GemmTile {
  return { ...chooseTile(M, N, K, zCount, minGroups, prefer), ...(override ?? {}) };
}

/**
 * Tile preferences of the filter-gradient GEMMs: 2 rows per thread, the best of 1, 2, 4 and 8 on an H200
 * (bench/notes/gpu-engine.md, run 6); `DLAB_GPU_WGRAD=TM,BK` overrides for tuning runs.
 */
function wgradPrefer(): { TM?: number; BK?: number } {
  const v = (process.env.DLAB_GPU_WGRAD ?? "2,16").split(",").map(Number);
  return { TM: v[0] || undefined, BK: v[1] || undefined };
}

/** Forward 3×3 convolution: input view in srcA, parameters in srcB (weights) and aux (bias), output view in dst. */
export function convForward(s: ConvShape, input: View, out: View, ep: Epilogue, tile?: Partial<GemmTile>): GemmSpec {
  const HW = s.height * s.width;
  const M = s.batch * HW;
  const N = s.cout;
  const K = s.k * s.k * s.cin;
  const pad = (s.k - 1) / 2;
  const keep = ep.dropout > 0 ? `if (step.train == 1u && f32(pcg((m * ${N}u + n) ^ pcg(step.seed ^ ${ep.salt >>> 0}u)) >> 8u) * (1.0 / 16777216.0) < ${f(ep.dropout)}) { v = 0.0; } else if (step.train == 1u) { v = v * ${f(1 / (1 - ep.dropout))}; }` : "";
  const body = `${bindings()}
fn loadA(m: u32, k: u32, z: u32) -> f32 {
  let tap = k / ${s.cin}u;
  let ci = k % ${s.cin}u;
  let r = m % ${HW}u;
  let dh = i32(tap / ${s.k}u) - ${pad};
  let dw = i32(tap % ${s.k}u) - ${pad};
  let h = i32(r / ${s.width}u) + dh;
  let w = i32(r % ${s.width}u) + dw;
  if (h < 0 || h >= ${s.height} || w < 0 || w >= ${s.width}) { return 0.0; }
  let p = i32(m) + dh * ${s.width} + dw;
  return srcA[u32(p) * ${input.stride}u + ${input.offset}u + ci];
}
fn loadB(k: u32, n: u32, z: u32) -> f32 { return srcB[${s.wOff}u + k * ${N}u + n]; }
fn store(m: u32, n: u32, z: u32, acc: f32) {
  var v = acc + aux[${s.bOff}u + n];
  ${ep.relu ? "v = max(v, 0.0);" : ""}
  ${keep}
  dst[m * ${out.stride}u + ${out.offset}u + n] = v;
}`;
  return { label: `conv fwd ${s.height}x${s.width} ${s.cin}->${s.cout}`, M, N, K, zCount: 1, zMode: "select", body, aFast: "k", bFast: "n", tile: tileFor(M, N, K, tile) };
}

/** Input gradient of a 3×3 convolution: output gradient view in srcA, weights in srcB, forward input (mask) in aux. */
export function convInputGrad(s: ConvShape, grad: View, out: View, mask: GradMask | null, tile?: Partial<GemmTile>): GemmSpec {
  const HW = s.height * s.width;
  const M = s.batch * HW;
  const N = s.cin;
  const K = s.k * s.k * s.cout;
  const pad = (s.k - 1) / 2;
  const maskCode = mask?.relu
    ? `if (aux[m * ${mask.view.stride}u + ${mask.view.offset}u + n] <= 0.0) { v = 0.0; } else { v = v * ${f(mask.scale)}; }`
    : "";
  const body = `${bindings()}
fn loadA(m: u32, k: u32, z: u32) -> f32 {
  let tap = k / ${s.cout}u;
  let co = k % ${s.cout}u;
  let r = m % ${HW}u;
  let dh = ${pad} - i32(tap / ${s.k}u);
  let dw = ${pad} - i32(tap % ${s.k}u);
  let h = i32(r / ${s.width}u) + dh;
  let w = i32(r % ${s.width}u) + dw;
  if (h < 0 || h >= ${s.height} || w < 0 || w >= ${s.width}) { return 0.0; }
  let p = i32(m) + dh * ${s.width} + dw;
  return srcA[u32(p) * ${grad.stride}u + ${grad.offset}u + co];
}
fn loadB(k: u32, n: u32, z: u32) -> f32 {
  let tap = k / ${s.cout}u;
  let co = k % ${s.cout}u;
  return srcB[${s.wOff}u + (tap * ${s.cin}u + n) * ${s.cout}u + co];
}
fn store(m: u32, n: u32, z: u32, acc: f32) {
  var v = acc;
  ${maskCode}
  dst[m * ${out.stride}u + ${out.offset}u + n] = v;
}`;
  return { label: `conv dgrad ${s.height}x${s.width} ${s.cout}->${s.cin}`, M, N, K, zCount: 1, zMode: "select", body, aFast: "k", bFast: "k", tile: tileFor(M, N, K, tile) };
}

/**
 * Split count for a filter-gradient GEMM over `pixels` (its K) whose output is `tiles` tiles: enough
 * workgroups to fill a large GPU (`gpuGroupTarget`), each summing at least `minK` pixels, so the partial
 * sums stay few.
 */
export function chooseSplits(pixels: number, tiles: number, minK = Number(process.env.DLAB_GPU_MINK ?? 256), groups = gpuGroupTarget(), maxSplits = 512): number {
  return Math.max(1, Math.min(maxSplits, Math.floor(pixels / minK), Math.ceil(groups / Math.max(1, tiles))));
}

/**
 * Filter (and bias) gradient of a 3×3 convolution: forward input view in srcA, output gradient view in
 * srcB, partial sums to dst at `partOff` (splits × (k·k·cin + 1) × cout; the last row is the bias).
 */
export function convFilterGrad(s: ConvShape, input: View, grad: View, partOff: number, splits: number, tile?: Partial<GemmTile>): GemmSpec {
  const HW = s.height * s.width;
  const R = s.k * s.k * s.cin + 1;
  const N = s.cout;
  const K = s.batch * HW;
  const pad = (s.k - 1) / 2;
  const body = `${bindings()}
fn loadA(m: u32, k: u32, z: u32) -> f32 {
  // m: filter row (tap, ci); k: pixel. The bias row (R − 1) is the column sums of B (GemmSpec.biasRow).
  let tap = m / ${s.cin}u;
  let ci = m % ${s.cin}u;
  let r = k % ${HW}u;
  let dh = i32(tap / ${s.k}u) - ${pad};
  let dw = i32(tap % ${s.k}u) - ${pad};
  let h = i32(r / ${s.width}u) + dh;
  let w = i32(r % ${s.width}u) + dw;
  if (h < 0 || h >= ${s.height} || w < 0 || w >= ${s.width}) { return 0.0; }
  let p = i32(k) + dh * ${s.width} + dw;
  return srcA[u32(p) * ${input.stride}u + ${input.offset}u + ci];
}
fn loadB(k: u32, n: u32, z: u32) -> f32 { return srcB[k * ${grad.stride}u + ${grad.offset}u + n]; }
fn store(m: u32, n: u32, z: u32, acc: f32) { dst[${partOff}u + (z * ${R}u + m) * ${N}u + n] = acc; }`;
  const t = tileFor(R - 1, N, K, tile, splits, 0, wgradPrefer());
  return { label: `conv wgrad ${s.height}x${s.width} ${s.cin}->${s.cout}`, M: R - 1, N, K, zCount: splits, zMode: "split", body, aFast: "m", bFast: "n", tile: t, biasRow: R - 1 };
}

/** Geometry of a 2×2 stride-2 transposed convolution (input height×width, output twice that). */
export interface UpShape {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  /** Kernel in the engine's layout [cin][tap][cout] (tap = 2·a + b), then bias [cout]. */
  wOff: number;
  bOff: number;
}

function upPixel(s: UpShape): string {
  // Output pixel of input pixel m for tap z = 2a + b.
  return `fn outPixel(m: u32, z: u32) -> u32 {
  let n = m / ${s.height * s.width}u;
  let r = m % ${s.height * s.width}u;
  let h = r / ${s.width}u;
  let w = r % ${s.width}u;
  return (n * ${2 * s.height}u + 2u * h + z / 2u) * ${2 * s.width}u + 2u * w + z % 2u;
}`;
}

/** Forward transposed convolution, one tap per z: input view in srcA, parameters in srcB/aux, output view in dst. */
export function upForward(s: UpShape, input: View, out: View, tile?: Partial<GemmTile>): GemmSpec {
  const M = s.batch * s.height * s.width;
  const N = s.cout;
  const K = s.cin;
  const body = `${bindings()}
${upPixel(s)}
fn loadA(m: u32, k: u32, z: u32) -> f32 { return srcA[m * ${input.stride}u + ${input.offset}u + k]; }
fn loadB(k: u32, n: u32, z: u32) -> f32 { return srcB[${s.wOff}u + (k * 4u + z) * ${N}u + n]; }
fn store(m: u32, n: u32, z: u32, acc: f32) { dst[outPixel(m, z) * ${out.stride}u + ${out.offset}u + n] = acc + aux[${s.bOff}u + n]; }`;
  return { label: `up fwd ${s.height}x${s.width} ${s.cin}->${s.cout}`, M, N, K, zCount: 4, zMode: "select", body, aFast: "k", bFast: "n", tile: tileFor(M, N, K, tile, 4) };
}

/** Input gradient of the transposed convolution: output gradient view in srcA, weights in srcB, mask in aux. */
export function upInputGrad(s: UpShape, grad: View, out: View, mask: GradMask | null, tile?: Partial<GemmTile>): GemmSpec {
  const M = s.batch * s.height * s.width;
  const N = s.cin;
  const K = 4 * s.cout;
  const maskCode = mask?.relu
    ? `if (aux[m * ${mask.view.stride}u + ${mask.view.offset}u + n] <= 0.0) { v = 0.0; } else { v = v * ${f(mask.scale)}; }`
    : "";
  const body = `${bindings()}
${upPixel(s)}
fn loadA(m: u32, k: u32, z: u32) -> f32 { return srcA[outPixel(m, k / ${s.cout}u) * ${grad.stride}u + ${grad.offset}u + k % ${s.cout}u]; }
fn loadB(k: u32, n: u32, z: u32) -> f32 { return srcB[${s.wOff}u + n * ${K}u + k]; }
fn store(m: u32, n: u32, z: u32, acc: f32) {
  var v = acc;
  ${maskCode}
  dst[m * ${out.stride}u + ${out.offset}u + n] = v;
}`;
  return { label: `up dgrad ${s.height}x${s.width} ${s.cout}->${s.cin}`, M, N, K, zCount: 1, zMode: "select", body, aFast: "k", bFast: "k", tile: tileFor(M, N, K, tile) };
}

/** Filter gradient of the transposed convolution: rows cin (+ bias row), columns (tap, cout), K = input pixels. */
export function upFilterGrad(s: UpShape, input: View, grad: View, partOff: number, splits: number, tile?: Partial<GemmTile>): GemmSpec {
  const R = s.cin + 1;
  const N = 4 * s.cout;
  const K = s.batch * s.height * s.width;
  const body = `${bindings()}
${upPixel(s)}
fn loadA(m: u32, k: u32, z: u32) -> f32 { return srcA[k * ${input.stride}u + ${input.offset}u + m]; }
fn loadB(k: u32, n: u32, z: u32) -> f32 { return srcB[outPixel(k, n / ${s.cout}u) * ${grad.stride}u + ${grad.offset}u + n % ${s.cout}u]; }
fn store(m: u32, n: u32, z: u32, acc: f32) { dst[${partOff}u + (z * ${R}u + m) * ${N}u + n] = acc; }`;
  return { label: `up wgrad ${s.height}x${s.width} ${s.cin}->${s.cout}`, M: s.cin, N, K, zCount: splits, zMode: "split", body, aFast: "m", bFast: "n", tile: tileFor(s.cin, N, K, tile, splits, 0, wgradPrefer()), biasRow: s.cin };
}

export { gemmWgsl, splitK };

