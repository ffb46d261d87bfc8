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
 * `dropoutKeep` below, so tests can rebuild them on the CPU.
 */
import { chooseTile, gemmWgsl, gpuGroupTarget, splitK, type GemmSpec, type GemmTile } from "./gemm";

/** Per-step values every kernel can read (one uniform buffer, rewritten before each submission). */
export const STEP_WGSL = /* wgsl */ `
struct Step {
  seed: u32,
  train: u32,
  validSamples: u32,
  invPixels: f32,
  threshold: f32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  c1: f32,
  c2: f32,
  pad: u32,
}
`;
export const STEP_BYTES = 48;

const HASH_WGSL = /* wgsl */ `
fn pcg(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
`;

function pcg(x: number): number {
  const s = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return (w >>> 22) ^ w;
}

/** Whether dropout keeps element `index` of a layer's output in the step with `seed` (CPU twin of the WGSL). */
export function dropoutKeep(seed: number, salt: number, index: number, rate: number): boolean {
  const r = (pcg((index ^ pcg((seed ^ salt) >>> 0)) >>> 0) >>> 8) / 16777216;
  return r >= rate;
}

/**
 * Salts of the dropout layers in forward order (encoder levels 1…L, then decoder levels L−1…1), so each
 * layer draws its own mask from the step's seed.
 */
export function dropoutSalts(levels: number): number[] {
  const out: number[] = [];
  let s = 0x2545f491;
  for (let i = 0; i < 2 * levels - 1; i++) out.push((s = (Math.imul(s, 0x9e3779b1) + 0x7f4a7c15) >>> 0));
  return out;
}

/** A tensor stored as pixels × `stride` floats, holding this view's channels from `offset` on. */
export interface View {
  stride: number;
  offset: number;
}

const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${x}`);

function bindings(): string {
  return `
${STEP_WGSL}
@group(0) @binding(0) var<storage, read> srcA: array<f32>;
@group(0) @binding(1) var<storage, read> srcB: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> aux: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
${HASH_WGSL}`;
}

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

/**
 * Start of a 2×2 max-pool kernel, one thread per pooled element i: its channel `ch` and `p`, the input
 * pixel at the top-left of its window.
 */
function poolPrologue(batch: number, height: number, width: number, c: number): string {
  const Ho = height / 2;
  const Wo = width / 2;
  return `${bindings()}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i >= ${batch * Ho * Wo * c}u) { return; }
  let ch = i % ${c}u;
  let o = i / ${c}u;
  let n = o / ${Ho * Wo}u;
  let r = o % ${Ho * Wo}u;
  let p = (n * ${height}u + 2u * (r / ${Wo}u)) * ${width}u + 2u * (r % ${Wo}u);`;
}

/** 2×2 max-pool: src view (in srcA) → dst (contiguous, c channels); one thread per output element. */
export function poolForwardWgsl(batch: number, height: number, width: number, c: number, src: View): string {
  return `${poolPrologue(batch, height, width, c)}
  let base = ${src.offset}u + ch;
  let v = max(max(srcA[p * ${src.stride}u + base], srcA[(p + 1u) * ${src.stride}u + base]),
              max(srcA[(p + ${width}u) * ${src.stride}u + base], srcA[(p + ${width + 1}u) * ${src.stride}u + base]));
  dst[i] = v;
}`;
}

/**
 * Backward of max-pool fused with the skip gradient and the ReLU mask of the pooled tensor:
 * srcA = forward input view (E), srcB = gradient of the pooled output (contiguous, c channels),
 * aux = skip gradient view (or unused), dst = gradient of E's pre-activation (contiguous, c channels).
 */
export function poolBackwardWgsl(batch: number, height: number, width: number, c: number, src: View, skip: View | null): string {
  return `${poolPrologue(batch, height, width, c)}
  let p0 = p;
  var best = 0u;
  var bestV = -3.4e38;
  let g = srcB[i];
  for (var q = 0u; q < 4u; q++) {
    let p = p0 + (q / 2u) * ${width}u + q % 2u;
    let v = srcA[p * ${src.stride}u + ${src.offset}u + ch];
    if (v > bestV) { bestV = v; best = q; }
  }
  for (var q = 0u; q < 4u; q++) {
    let p = p0 + (q / 2u) * ${width}u + q % 2u;
    let v = srcA[p * ${src.stride}u + ${src.offset}u + ch];
    var d = select(0.0, g, q == best);
    ${skip ? `d = d + aux[p * ${skip.stride}u + ${skip.offset}u + ch];` : ""}
    dst[p * ${c}u + ch] = select(0.0, d, v > 0.0);
  }
}`;
}

/**
 * The 1×1 sigmoid head with the loss: per pixel z = b + w·y, p = σ(z), BCE from logits, dz = (p − t)/pixels,
 * the head input's gradient dz·w masked by ReLU, and per-workgroup sums of loss, TP, FP, FN.
 * Bindings: 0 y (read), 1 params (read), 2 labels (read), 3 dY (rw), 4 dz (rw), 5 probs (rw), 6 partial stats (rw), 7 step.
 */
export function headWgsl(batch: number, pixelsPerSample: number, c: number, wOff: number, bOff: number): string {
  const total = batch * pixelsPerSample;
  return `${STEP_WGSL}
@group(0) @binding(0) var<storage, read> yIn: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> dY: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;
@group(0) @binding(5) var<storage, read_write> probs: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;
@group(0) @binding(7) var<uniform> step: Step;
var<workgroup> red: array<vec4<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let m = gid.x;
  var s = vec4<f32>(0.0);
  if (m < ${total}u && m / ${pixelsPerSample}u < step.validSamples) {
    var z = params[${bOff}u];
    for (var ch = 0u; ch < ${c}u; ch++) { z = fma(yIn[m * ${c}u + ch], params[${wOff}u + ch], z); }
    let t = labels[m];
    let p = 1.0 / (1.0 + exp(-z));
    probs[m] = p;
    let loss = max(z, 0.0) - z * t + log(1.0 + exp(-abs(z)));
    let pos = p > step.threshold;
    let truth = t > 0.5;
    s = vec4<f32>(loss, select(0.0, 1.0, pos && truth), select(0.0, 1.0, pos && !truth), select(0.0, 1.0, !pos && truth));
    if (step.train == 1u) {
      let d = (p - t) * step.invPixels;
      dz[m] = d;
      for (var ch = 0u; ch < ${c}u; ch++) {
        dY[m * ${c}u + ch] = select(0.0, d * params[${wOff}u + ch], yIn[m * ${c}u + ch] > 0.0);
      }
    }
  } else if (m < ${total}u && step.train == 1u) {
    dz[m] = 0.0;
    for (var ch = 0u; ch < ${c}u; ch++) { dY[m * ${c}u + ch] = 0.0; }
  }
  red[lid] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { red[lid] = red[lid] + red[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    partial[wg.x * 4u] = red[0].x;
    partial[wg.x * 4u + 1u] = red[0].y;
    partial[wg.x * 4u + 2u] = red[0].z;
    partial[wg.x * 4u + 3u] = red[0].w;
  }
}`;
}

/** Sums the head's per-workgroup stats in a fixed order (deterministic): binding 0 partial (read), 1 stats (rw). */
export function statsWgsl(groups: number): string {
  return `
@group(0) @binding(0) var<storage, read> partial: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> stats: array<vec4<f32>>;
var<workgroup> red: array<vec4<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = vec4<f32>(0.0);
  for (var i = lid; i < ${groups}u; i += 256u) { s = s + partial[i]; }
  red[lid] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { red[lid] = red[lid] + red[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { stats[0] = red[0]; }
}`;
}

/** One layer's entry in Adam's table: where its parameters and its gradient's partial sums are. */
export interface GradSegment {
  paramOff: number;
  weights: number;
  biases: number;
  partOff: number;
  /** Floats of one split's partial output. */
  splitSize: number;
  splits: number;
  /** Bias partials per bias (4 for the transposed convolution's per-tap rows, else 1). */
  fold: number;
}

/**
 * Sums each parameter's split-K partials (and a transposed convolution's four tap biases) into its
 * gradient and applies Adam as tfjs does: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − lr·(m/c1)/(√(v/c2) + ε) with c1 = 1−β1^t, c2 = 1−β2^t.
 * Bindings: 0 params, 1 m, 2 v, 3 grads (all rw), 4 partials (read), 5 step.
 */
export function adamWgsl(segments: GradSegment[], total: number): string {
  // Cascading range tests need the segments in parameter order (they are created in backward order).
  const cases = [...segments]
    .sort((a, b) => a.paramOff - b.paramOff)
    .map((s) => {
      const end = s.paramOff + s.weights + s.biases;
      return `  if (i < ${end}u) {
    let j = i - ${s.paramOff}u;
    if (j < ${s.weights}u) {
      for (var z = 0u; z < ${s.splits}u; z++) { g += part[${s.partOff}u + z * ${s.splitSize}u + j]; }
    } else {
      let b = j - ${s.weights}u;
      for (var z = 0u; z < ${s.splits}u; z++) {
        for (var q = 0u; q < ${s.fold}u; q++) { g += part[${s.partOff}u + z * ${s.splitSize}u + ${s.weights}u + q * ${s.biases}u + b]; }
      }
    }
    return g;
  }`;
    })
    .join("\n");
  return `${STEP_WGSL}
@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(2) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
@group(0) @binding(4) var<storage, read> part: array<f32>;
@group(0) @binding(5) var<uniform> step: Step;
fn gradient(i: u32) -> f32 {
  var g = 0.0;
${cases}
  return g;
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i >= ${total}u) { return; }
  let g = gradient(i);
  grads[i] = g;
  let m = step.beta1 * mom1[i] + (1.0 - step.beta1) * g;
  let v = step.beta2 * mom2[i] + (1.0 - step.beta2) * g * g;
  mom1[i] = m;
  mom2[i] = v;
  params[i] = params[i] - step.lr * (m / step.c1) / (sqrt(v / step.c2) + step.eps);
}`;
}
