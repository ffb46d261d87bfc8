/**
 * Patch sets in memory (channels-last features and 0/1 masks back to back) and the operations training
 * and evaluation share on them: checks, the seeded train/validation split and batch gathering.
 */
import { Rng } from "./rng";

/** Patches in memory: channels-last images and 0/1 masks, back to back. */
export interface PatchSet {
  /** count × size × size × channels. */
  images: Float32Array;
  /** count × size × size, 1 = landslide (0/1 bytes or floats). */
  masks: Uint8Array | Float32Array;
  count: number;
  size: number;
  channels: number;
  /** Optional names (e.g. file names) for error messages and logs. */
  ids?: string[];
}

/** Features and masks as `trainingArrays` (src/landslide/l4s) returns them. */
export function patchSetFromArrays(a: { x: Float32Array; y: Float32Array | Uint8Array; count: number; size: number; channels: number; ids?: (number | string)[] }): PatchSet {
  return { images: a.x, masks: a.y, count: a.count, size: a.size, channels: a.channels, ids: a.ids?.map(String) };
}

export function checkPatchSet(s: PatchSet, what: string): void {
  const px = s.size * s.size;
  if (s.images.length !== s.count * px * s.channels) {
    throw new Error(`${what}: ${s.images.length} image values for ${s.count} patches of ${s.size}×${s.size}×${s.channels}`);
  }
  if (s.masks.length !== s.count * px) throw new Error(`${what}: ${s.masks.length} mask values for ${s.count} patches`);
  if (s.count === 0) throw new Error(`${what}: no patches`);
}

/** Seeded split into training and validation indices (validation gets ⌈n·fraction⌉, at least 1). */
export function splitIndices(n: number, fraction: number, seed: number): { train: number[]; val: number[] } {
  if (n < 2) throw new Error(`cannot split ${n} patch(es) into training and validation sets`);
  const idx = new Rng(seed ^ 0x5117).shuffle(Array.from({ length: n }, (_, i) => i));
  const nv = Math.min(n - 1, Math.max(1, Math.ceil(n * fraction)));
  return { val: idx.slice(0, nv).sort((a, b) => a - b), train: idx.slice(nv).sort((a, b) => a - b) };
}

/** Copies the given patches into contiguous batch arrays. */
export function gatherBatch(s: PatchSet, indices: number[]): { x: Float32Array; y: Float32Array } {
  const px = s.size * s.size;
  const per = px * s.channels;
  const x = new Float32Array(indices.length * per);
  const y = new Float32Array(indices.length * px);
  indices.forEach((i, b) => {
    x.set(s.images.subarray(i * per, (i + 1) * per), b * per);
    const m = s.masks.subarray(i * px, (i + 1) * px);
    for (let k = 0; k < px; k++) y[b * px + k] = m[k];
  });
  return { x, y };
}

export function subset(s: PatchSet, idx: number[]): PatchSet {
  const g = gatherBatch(s, idx);
  const masks = new Uint8Array(g.y.length);
  for (let i = 0; i < masks.length; i++) masks[i] = g.y[i];
  return { images: g.x, masks, count: idx.length, size: s.size, channels: s.channels, ids: s.ids && idx.map((i) => s.ids![i]) };
}

