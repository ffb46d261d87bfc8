/**
 * The engine's kernels that are not GEMMs: 2×2 max-pool forward and backward (merged with the skip
 * connection's gradient and the ReLU mask), the 1×1 sigmoid head with the loss, its gradient and the
 * confusion counts, the reduction of those counts, and the split-K sums with Adam over all parameters.
 */
import { bindings, f, STEP_WGSL, type View } from "./wgsl";

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
