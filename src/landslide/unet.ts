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
import { DEFAULT_UNET, type UNetParams } from "./params";
import { UPSAMPLE_SIZE, validateUNetConfig, type UNetConfig } from "../engine/unet-spec";
import { fastDropout } from "../engine";
import { glorotUniformKeras, heNormalKeras, kernelFans } from "../engine/init";
import { activeEngine } from "./backend";
import { Rng } from "./rng";

export { Rng } from "./rng";

export { UPSAMPLE_SIZE, unetParamCount, validateUNetConfig, type UNetConfig } from "../engine/unet-spec";

/** The architecture part of U-Net parameters (a study passes its own, e.g. `ZIGUI_LANDSLIDES.unet`). */
export function unetConfigFromParams(p: UNetParams = DEFAULT_UNET): UNetConfig {
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

/** The Keras Landslide4Sense U-Net, which is the Zigui paper's Fig 1 (src/landslide/params.ts defaults). */
export const PAPER_UNET: UNetConfig = unetConfigFromParams();

/** The parameter count of PAPER_UNET with 11 input channels (architecture's own count, Keras and PyTorch agree). */
export const PAPER_UNET_PARAMS = 1_942_257;

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
  initialiseAsKeras(model, seed);
  return { model, dropoutRng };
}

/**
 * Replaces tfjs' initial kernels with Keras' (src/engine/init.ts): he_normal with the truncated-normal
 * correction for the ReLU convolutions, glorot_uniform for the transposed convolutions and the head;
 * biases zero. One seeded stream in layer order, so a seed fixes every weight.
 */
export function initialiseAsKeras(model: tf.LayersModel, seed: number): void {
  const rng = new Rng((seed ^ 0x6b657261) >>> 0);
  const uniform = (): number => rng.next();
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== "Conv2D" && cls !== "Conv2DTranspose") continue;
    const [kernel, bias] = layer.getWeights();
    const { fanIn, fanOut } = kernelFans(kernel.shape);
    const he = cls === "Conv2D" && layer.name !== LOGITS_LAYER;
    const values = he ? heNormalKeras(kernel.size, fanIn, uniform) : glorotUniformKeras(kernel.size, fanIn, fanOut, uniform);
    const fresh = [tf.tensor(values, kernel.shape), tf.zerosLike(bias)];
    layer.setWeights(fresh);
    tf.dispose(fresh); // kernel and bias are the layer's own variables: kept
  }
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
