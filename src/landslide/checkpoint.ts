/**
 * Training checkpoints: weights, Adam's step and moments, both random generators, the log and the best
 * score in one file (magic, header length, JSON header, raw tensors), so an interrupted run resumes
 * bit-for-bit.
 */
import * as tf from "@tensorflow/tfjs";
import type { UNetConfig } from "../engine/unet-spec";
import type { TrainConfig } from "./train-config";
import type { EpochLog } from "./training-log";

const CKPT_MAGIC = "DLABCKPT1\n";

interface CkptTensor {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  offset: number;
  length: number;
}

export interface CheckpointHeader {
  format: "dlab-unet-checkpoint";
  version: 1;
  /** Epochs completed. */
  epoch: number;
  unet: UNetConfig;
  train: TrainConfig;
  shuffleRng: number;
  dropoutRng: number;
  bestEpoch: number;
  bestValF1: number;
  log: EpochLog[];
  trainCount: number;
  valCount: number;
  /** Model weights by name, then Adam's step ("optimizer/iter") and moments ("optimizer/<i>/m|v"). */
  tensors: CkptTensor[];
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Encodes a checkpoint: magic, header length (uint32 LE), header JSON, then the tensors' bytes. */
export function encodeCheckpoint(header: Omit<CheckpointHeader, "tensors">, arrays: NamedArray[]): Uint8Array {
  let offset = 0;
  const tensors: CkptTensor[] = arrays.map((a) => {
    const t: CkptTensor = {
      name: a.name,
      shape: a.shape,
      dtype: a.data instanceof Int32Array ? "int32" : "float32",
      offset,
      length: a.data.length,
    };
    offset += a.data.length * 4;
    return t;
  });
  const head = new TextEncoder().encode(JSON.stringify({ ...header, tensors }));
  const magic = new TextEncoder().encode(CKPT_MAGIC);
  const start = magic.length + 4 + head.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + offset);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, head.length + pad, true);
  out.set(head, magic.length + 4);
  out.fill(0x20, start, start + pad);
  for (const [i, a] of arrays.entries()) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), start + pad + tensors[i].offset);
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): { header: CheckpointHeader; arrays: Map<string, NamedArray> } {
  const magic = new TextEncoder().encode(CKPT_MAGIC);
  const fail = (why: string): never => {
    throw new Error(`${file}: not a usable U-Net checkpoint (${why})`);
  };
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== CKPT_MAGIC) fail("bad magic");
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic.length, true);
  const start = magic.length + 4;
  if (start + hlen > bytes.length) fail("truncated header");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + hlen))) as CheckpointHeader;
  } catch (e) {
    return fail(`header is not JSON: ${(e as Error).message}`);
  }
  if (header.format !== "dlab-unet-checkpoint" || header.version !== 1) fail(`format ${header.format} v${header.version}`);
  const base = start + hlen;
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    const end = base + t.offset + t.length * 4;
    if (end > bytes.length) fail(`tensor ${t.name} runs past the end of the file (truncated?)`);
    const copy = bytes.slice(base + t.offset, end);
    const data = t.dtype === "int32" ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    arrays.set(t.name, { name: t.name, shape: t.shape, data });
  }
  return { header, arrays };
}

export async function modelArrays(model: tf.LayersModel, opt: tf.Optimizer): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  const weights = model.weights;
  const values = model.getWeights();
  // `await data()`, never dataSync(): the webgpu backend cannot read back synchronously under Node.
  for (let i = 0; i < weights.length; i++) {
    out.push({ name: `model/${weights[i].originalName}`, shape: values[i].shape, data: (await values[i].data()) as Float32Array });
  }
  const ow = await opt.getWeights();
  // Adam keeps its moments in the order of the variables it was given (the model's trainable weights);
  // they are stored by that position because tfjs variable names change between processes.
  const nMoments = (ow.length - 1) / 2;
  for (let i = 0; i < ow.length; i++) {
    const w = ow[i];
    const name = i === 0 ? "optimizer/iter" : `optimizer/${(i - 1) % nMoments}/${i <= nMoments ? "m" : "v"}`;
    const data = (await w.tensor.data()) as Int32Array | Float32Array;
    out.push({ name, shape: w.tensor.shape, data });
  }
  return out;
}

export async function restoreArrays(model: tf.LayersModel, opt: tf.Optimizer, arrays: Map<string, NamedArray>, file: string): Promise<void> {
  const weights = model.weights;
  const values = weights.map((w) => {
    const a = arrays.get(`model/${w.originalName}`);
    if (!a) throw new Error(`${file}: checkpoint has no weight ${w.originalName} (different architecture?)`);
    if (a.shape.join("x") !== w.shape.join("x")) {
      throw new Error(`${file}: weight ${w.originalName} is ${a.shape.join("×")}, the model needs ${w.shape.join("×")}`);
    }
    return tf.tensor(a.data, a.shape);
  });
  model.setWeights(values);
  values.forEach((v) => v.dispose());
  const iter = arrays.get("optimizer/iter");
  if (!iter) return; // saved before the first step
  const trainable = model.trainableWeights;
  const named: { name: string; tensor: tf.Tensor }[] = [{ name: "iter", tensor: tf.scalar(iter.data[0], "int32") }];
  for (const kind of ["m", "v"]) {
    trainable.forEach((w, i) => {
      const a = arrays.get(`optimizer/${i}/${kind}`);
      if (!a) throw new Error(`${file}: checkpoint lacks optimizer moment ${i}/${kind}`);
      named.push({ name: `${w.originalName}/${kind}`, tensor: tf.tensor(a.data, a.shape) });
    });
  }
  await opt.setWeights(named);
  named.forEach((n) => n.tensor.dispose());
}

