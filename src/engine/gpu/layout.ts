/**
 * Where each U-Net layer's weights sit in the GPU engine's one flat parameter buffer, and the conversion
 * between that layout and tfjs' (`enc1_conv1/kernel`, …), which checkpoints and saved models use.
 */
import type { UNetConfig } from "../unet-spec";

export interface GpuLayer {
  /** tfjs layer name (`enc1_conv1`, `dec4_up`, `head_logits`). */
  name: string;
  kind: "conv" | "up";
  k: number;
  cin: number;
  cout: number;
  /** Float offsets in the flat parameter buffer. */
  wOff: number;
  bOff: number;
}

/** The layers of `buildUNet(config)` in forward order, with their places in one flat parameter buffer. */
export function gpuLayers(c: Pick<UNetConfig, "filters" | "inputChannels" | "kernelSize" | "upsampleSize">): { layers: GpuLayer[]; total: number } {
  if (c.upsampleSize !== 2) throw new Error(`GPU engine: only 2×2 transposed convolutions are implemented (upsampleSize ${c.upsampleSize})`);
  if (c.kernelSize % 2 !== 1) throw new Error(`GPU engine: kernelSize must be odd ("same" padding), got ${c.kernelSize}`);
  const layers: GpuLayer[] = [];
  let off = 0;
  const add = (name: string, kind: "conv" | "up", k: number, cin: number, cout: number): void => {
    const w = kind === "conv" ? k * k * cin * cout : 4 * cin * cout;
    layers.push({ name, kind, k, cin, cout, wOff: off, bOff: off + w });
    off += w + cout;
  };
  const L = c.filters.length;
  let cin = c.inputChannels;
  for (let i = 0; i < L; i++) {
    add(`enc${i + 1}_conv1`, "conv", c.kernelSize, cin, c.filters[i]);
    add(`enc${i + 1}_conv2`, "conv", c.kernelSize, c.filters[i], c.filters[i]);
    cin = c.filters[i];
  }
  for (let j = L - 2; j >= 0; j--) {
    const fj = c.filters[j];
    add(`dec${j + 1}_up`, "up", 2, cin, fj);
    add(`dec${j + 1}_conv1`, "conv", c.kernelSize, 2 * fj, fj);
    add(`dec${j + 1}_conv2`, "conv", c.kernelSize, fj, fj);
    cin = fj;
  }
  add("head_logits", "conv", 1, cin, 1);
  return { layers, total: off };
}

/** tfjs conv2dTranspose kernel [a][b][cout][cin] → engine [cin][tap = 2a+b][cout]. */
export function upKernelToEngine(w: Float32Array, cin: number, cout: number, out = new Float32Array(4 * cin * cout)): Float32Array {
  for (let tap = 0; tap < 4; tap++) for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) out[(ci * 4 + tap) * cout + co] = w[(tap * cout + co) * cin + ci];
  return out;
}

/** Engine [cin][tap][cout] → tfjs [a][b][cout][cin]. */
export function upKernelFromEngine(w: Float32Array, cin: number, cout: number, out = new Float32Array(4 * cin * cout)): Float32Array {
  for (let tap = 0; tap < 4; tap++) for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) out[(tap * cout + co) * cin + ci] = w[(ci * 4 + tap) * cout + co];
  return out;
}

/** A flat engine parameter buffer as tfjs-layout arrays by name. */
export function weightsToTfjs(layers: GpuLayer[], flat: Float32Array): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const l of layers) {
    const w = flat.subarray(l.wOff, l.bOff);
    out.set(`${l.name}/kernel`, l.kind === "up" ? upKernelFromEngine(w, l.cin, l.cout) : w.slice());
    out.set(`${l.name}/bias`, flat.slice(l.bOff, l.bOff + l.cout));
  }
  return out;
}

/** tfjs-layout arrays by name as one flat engine parameter buffer; throws naming what is missing or mis-sized. */
export function weightsFromTfjs(layers: GpuLayer[], paramCount: number, get: (name: string) => Float32Array | undefined, what: string): Float32Array {
  const flat = new Float32Array(paramCount);
  for (const l of layers) {
    const w = get(`${l.name}/kernel`);
    const b = get(`${l.name}/bias`);
    const nw = l.bOff - l.wOff;
    if (!w || !b) throw new Error(`GPU engine: ${what} lacks ${l.name}/${w ? "bias" : "kernel"}`);
    if (w.length !== nw || b.length !== l.cout) throw new Error(`GPU engine: ${what} ${l.name} has ${w.length}+${b.length} values, the layer needs ${nw}+${l.cout}`);
    if (l.kind === "up") upKernelToEngine(w, l.cin, l.cout, flat.subarray(l.wOff, l.bOff));
    else flat.set(w, l.wOff);
    flat.set(b, l.bOff);
  }
  return flat;
}

export interface GpuUNetOptions {
  /** Largest batch a step takes (smaller ones are padded and masked). */
  batch: number;
  /** Patch side in pixels. */
  size: number;
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Probability above which a pixel counts as landslide in the returned counts. */
  threshold?: number;
}

export interface GpuStepResult {
  /** Mean binary cross-entropy over the batch's pixels. */
  loss: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  pixels: number;
}

/** A patch set kept in GPU memory (`GpuUNet.uploadDataset`). */
export interface GpuDataset {
  images: GPUBuffer;
  labels: GPUBuffer;
  count: number;
  bytes: number;
}

export const USAGE = { storage: 0x80, copySrc: 0x04, copyDst: 0x08, uniform: 0x40, mapRead: 0x01 };
const STAGE_COMPUTE = 0x4;


/** Workgroup counts for `n` threads of 256 as a 2-D grid (WebGPU caps each dimension at 65,535). */
export function flatDispatch(n: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(n / 256));
  if (g <= 65535) return [g, 1, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y, 1];
}

