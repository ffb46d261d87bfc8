/**
 * The U-Net of the Zigui study (Fig 1) as a tfjs-layers builder.
 *
 * Each encoder level: conv3×3 (ReLU, he-normal, same) → dropout → conv3×3, then a 2×2 max-pool before the
 * next level; the bottom level has no pool. Each decoder level: 2×2 stride-2 transposed convolution →
 * concatenate with the encoder level's output (upsampled first, as in the public Keras Landslide4Sense
 * notebook whose numbers the paper matches) → conv3×3 → dropout → conv3×3. A 1×1 sigmoid convolution gives
 * the landslide probability. With the paper's sizes and 11 input channels it has 1,942,257 parameters.
 *
 * Dropout draws its masks from a seeded, checkpointable generator (`SeededDropout`), so a training run
 * is reproducible and resumes bit-for-bit; initialisers are seeded per layer.
 */
import * as tf from "@tensorflow/tfjs";
import { ZIGUI_LANDSLIDES, type UNetParams } from "../studies/zigui/landslides";
import { fastDropout } from "../engine";
import { activeEngine } from "./backend";

export interface UNetConfig {
  /** Patch side in pixels; must be divisible by 2^(levels−1). */
  inputSize: number;
  /** Feature channels (Table 2: 11). */
  inputChannels: number;
  /** Filters per encoder level, top to bottom; the decoder mirrors all but the last. */
  filters: number[];
  /** Dropout rate per encoder level (same length as `filters`). */
  encoderDropout: number[];
  /** Dropout rate per decoder level, bottom to top (length `filters.length − 1`). */
  decoderDropout: number[];
  /** Convolution kernel side (3). */
  kernelSize: number;
  /** Transposed-convolution kernel side and stride (2). */
  upsampleSize: number;
  /** Allow any input size divisible by 2^(levels−1) (fully convolutional), not only `inputSize`. */
  variableInputSize?: boolean;
}

/** §2.1 / Fig 1: "2×2 transposed convolution" between decoder levels (and 2×2 max-pooling). */
export const UPSAMPLE_SIZE = 2;

/** The architecture part of the study's U-Net parameters (`ZIGUI_LANDSLIDES.unet`). */
export function unetConfigFromStudy(p: UNetParams = ZIGUI_LANDSLIDES.unet): UNetConfig {
  return {
    inputSize: p.patchSize,
    inputChannels: p.inputChannels,
    filters: [...p.encoderFilters],
    encoderDropout: [...p.encoderDropout],
    decoderDropout: [...p.decoderDropout],
    kernelSize: p.kernelSize,
    upsampleSize: UPSAMPLE_SIZE,
  };
}

/** The paper's architecture (values and sources in src/studies/zigui/landslides.ts). */
export const PAPER_UNET: UNetConfig = unetConfigFromStudy();

/** The parameter count of PAPER_UNET with 11 input channels (architecture's own count, Keras and PyTorch agree). */
export const PAPER_UNET_PARAMS = 1_942_257;

// ---------------------------------------------------------------- seeded random numbers

/** splitmix32-style generator with a single uint32 of state, so it can be checkpointed exactly. */
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

// ---------------------------------------------------------------- dropout with checkpointable masks

interface SeededDropoutArgs {
  rate: number;
  name?: string;
}

/**
 * Dropout whose masks come from an `Rng` shared by the model. tfjs's own Dropout either draws from
 * Math.random (not reproducible) or, given a seed, reuses one mask for every step. Serialised as a plain
 * `Dropout` by `saveModel`, so Keras and stock tfjs read the saved model.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  rng: Rng;

  constructor(args: SeededDropoutArgs, rng?: Rng) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0,1), got ${args.rate}`);
    this.rate = args.rate;
    this.rng = rng ?? new Rng(0);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || this.rate === 0) return x;
    const seed = this.rng.nextUint32();
    // tf.dropout draws its mask in plain JavaScript (millions of draws per step); the engine draws it in WASM.
    const engine = activeEngine();
    if (engine) return fastDropout(engine, x, this.rate, seed);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(SeededDropout);

// ---------------------------------------------------------------- builder

export function validateUNetConfig(c: UNetConfig): void {
  const L = c.filters.length;
  if (L < 1) throw new Error("U-Net config: filters must list at least one level");
  if (c.encoderDropout.length !== L) {
    throw new Error(`U-Net config: encoderDropout has ${c.encoderDropout.length} rates for ${L} levels`);
  }
  if (c.decoderDropout.length !== L - 1) {
    throw new Error(`U-Net config: decoderDropout has ${c.decoderDropout.length} rates for ${L - 1} decoder levels`);
  }
  const f = c.upsampleSize ** (L - 1);
  if (c.inputSize % f !== 0) throw new Error(`U-Net config: inputSize ${c.inputSize} is not divisible by ${f}`);
  if (!(c.inputChannels >= 1)) throw new Error(`U-Net config: inputChannels must be ≥ 1`);
}

export interface BuiltUNet {
  model: tf.LayersModel;
  /** The generator all dropout layers draw from; part of a training checkpoint. */
  dropoutRng: Rng;
}

/**
 * Builds the U-Net. `seed` fixes every initialiser (one derived seed per layer) and the dropout stream.
 * Layer names are stable (`enc1_conv1`, `dec4_up`, `head_logits`, `head`) so weights map by name across runs.
 */
export function buildUNet(config: UNetConfig = PAPER_UNET, seed = 42): BuiltUNet {
  validateUNetConfig(config);
  const init = new Rng(seed);
  const dropoutRng = new Rng(new Rng(seed ^ 0x5eed).nextUint32());
  const nextSeed = (): number => init.nextUint32() % 2147483647;
  const k = config.kernelSize;
  const L = config.filters.length;
  const side = config.variableInputSize ? null : config.inputSize;
  const conv = (filters: number, name: string): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: k,
      padding: "same",
      activation: "relu",
      kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
      name,
    });

  const input = tf.input({ shape: [side, side, config.inputChannels], name: "features" });
  let x: tf.SymbolicTensor = input;
  const skips: tf.SymbolicTensor[] = [];
  for (let i = 0; i < L; i++) {
    const lv = `enc${i + 1}`;
    let c = conv(config.filters[i], `${lv}_conv1`).apply(x) as tf.SymbolicTensor;
    c = new SeededDropout({ rate: config.encoderDropout[i], name: `${lv}_dropout` }, dropoutRng).apply(c) as tf.SymbolicTensor;
    c = conv(config.filters[i], `${lv}_conv2`).apply(c) as tf.SymbolicTensor;
    if (i < L - 1) {
      skips.push(c);
      x = tf.layers.maxPooling2d({ poolSize: config.upsampleSize, strides: config.upsampleSize, name: `${lv}_pool` }).apply(c) as tf.SymbolicTensor;
    } else {
      x = c;
    }
  }
  for (let j = L - 2, d = 0; j >= 0; j--, d++) {
    const lv = `dec${j + 1}`;
    const up = tf.layers
      .conv2dTranspose({
        filters: config.filters[j],
        kernelSize: config.upsampleSize,
        strides: config.upsampleSize,
        padding: "same",
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
        name: `${lv}_up`,
      })
      .apply(x) as tf.SymbolicTensor;
    let c = tf.layers.concatenate({ axis: -1, name: `${lv}_concat` }).apply([up, skips[j]]) as tf.SymbolicTensor;
    c = conv(config.filters[j], `${lv}_conv1`).apply(c) as tf.SymbolicTensor;
    c = new SeededDropout({ rate: config.decoderDropout[d], name: `${lv}_dropout` }, dropoutRng).apply(c) as tf.SymbolicTensor;
    x = conv(config.filters[j], `${lv}_conv2`).apply(c) as tf.SymbolicTensor;
  }
  // The 1×1 head is a linear convolution followed by a separate sigmoid, so that training can take the
  // loss from the logits as Keras does for a sigmoid output (sigmoid_cross_entropy_with_logits): a loss
  // on clipped probabilities has zero gradient once the sigmoid saturates and can stall training for good.
  const logits = tf.layers
    .conv2d({
      filters: 1,
      kernelSize: 1,
      activation: "linear",
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      name: LOGITS_LAYER,
    })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: "sigmoid", name: "head" }).apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: "zigui_unet" });
  return { model, dropoutRng };
}

/** Name of the layer whose output is the head's logits (before the sigmoid). */
export const LOGITS_LAYER = "head_logits";

/**
 * A model sharing `model`'s layers that outputs the logits, or null if the model has no `head_logits`
 * layer (a model not built by `buildUNet`).
 */
export function logitsModel(model: tf.LayersModel): tf.LayersModel | null {
  const layer = model.layers.find((l) => l.name === LOGITS_LAYER);
  if (!layer) return null;
  return tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor, name: `${model.name}_logits` });
}

/** Trainable plus non-trainable parameter count. */
export function countParams(model: tf.LayersModel): number {
  return model.countParams();
}

/** Closed-form parameter count of the architecture, independent of any framework. */
export function unetParamCount(c: UNetConfig): number {
  const k2 = c.kernelSize * c.kernelSize;
  const u2 = c.upsampleSize * c.upsampleSize;
  const conv = (cin: number, cout: number, kk: number): number => cin * cout * kk + cout;
  let n = 0;
  let cin = c.inputChannels;
  for (const f of c.filters) {
    n += conv(cin, f, k2) + conv(f, f, k2);
    cin = f;
  }
  for (let j = c.filters.length - 2; j >= 0; j--) {
    const f = c.filters[j];
    n += conv(cin, f, u2) + conv(2 * f, f, k2) + conv(f, f, k2);
    cin = f;
  }
  return n + conv(cin, 1, 1);
}

export interface LayerSummaryRow {
  [key: string]: string | number;
  layer: string;
  type: string;
  "output shape": string;
  params: number;
  inputs: string;
}

/** Fig 1 as a table: each layer, its output shape and parameter count (what Keras' summary() prints). */
export function modelSummaryRows(model: tf.LayersModel): LayerSummaryRow[] {
  return model.layers.map((l) => {
    const shape = l.outputShape as (number | null)[];
    const inbound = l.inboundNodes.flatMap((n) => n.inboundLayers.map((il) => il.name));
    return {
      layer: l.name,
      type: l.getClassName() === "SeededDropout" ? "Dropout" : l.getClassName(),
      "output shape": `(${shape.map((d) => (d === null ? "None" : String(d))).join(", ")})`,
      params: l.countParams(),
      inputs: inbound.join(", "),
    };
  });
}

/** All dropout layers of a model built by `buildUNet`. */
export function dropoutLayers(model: tf.LayersModel): SeededDropout[] {
  return model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
}
