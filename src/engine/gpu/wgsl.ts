/**
 * What every WGSL kernel of the GPU engine shares: the per-step uniform, the dropout hash (with its CPU
 * twin, so tests rebuild masks), the common bindings and the tensor view type.
 */

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

export const HASH_WGSL = /* wgsl */ `
fn pcg(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
`;

export function pcg(x: number): number {
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

export const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${x}`);

/** The bindings every GEMM and pool kernel shares (srcA, srcB, dst, aux, step), with the hash. */
export function bindings(): string {
  return `
${STEP_WGSL}
@group(0) @binding(0) var<storage, read> srcA: array<f32>;
@group(0) @binding(1) var<storage, read> srcB: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> aux: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
${HASH_WGSL}`;
}

