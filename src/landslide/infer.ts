/**
 * Saving, loading and applying a trained U-Net.
 *
 * Models are saved in the TensorFlow.js layers format (`model.json` + `weights.bin`), which stock tfjs
 * loads and `tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras` turns into a
 * Keras .h5, plus `unet.json` with the architecture config and training metadata. The seeded dropout
 * layers are written as plain Keras `Dropout` (identical at inference).
 *
 * Scene inference slides the fixed-size model over a scene of any size with overlapping tiles and blends
 * them with weights that fall off linearly across the overlap, so tile borders (where the convolutions
 * see zero padding) count least and no seams appear. Parts of a scene smaller than a tile are mirrored.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFolderAtomic } from "../core/atomic";
import { readRaster, writeRaster, type Raster } from "../io/raster";
import { SeededDropout, type UNetConfig } from "./unet";
import { FileError } from "../core/errors";
import { L4S_BAND_COUNT } from "./features";
import { checkRecipe, recipeFeatures, tilesAlignToBlocks, type FeatureRecipe } from "./recipe";

// ---------------------------------------------------------------- save / load

export interface ModelMeta {
  /** Architecture, so training can resume or the model be rebuilt. */
  unet?: UNetConfig;
  /** Names of the input channels in order (Table 2). */
  features?: string[];
  /** Probability above which a pixel is a landslide. */
  threshold?: number;
  /** How the input features were made (src/landslide/recipe.ts). */
  recipe?: FeatureRecipe;
  /** Anything else worth keeping with the weights (epoch, validation F1, data, seed, backend). */
  [key: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Renames our SeededDropout to Keras' Dropout throughout a topology (keeps only keys Dropout knows). */
function toStockTopology(node: Json): Json {
  if (Array.isArray(node)) return node.map(toStockTopology);
  if (node && typeof node === "object") {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(node)) out[k] = toStockTopology(v);
    if (out.class_name === SeededDropout.className) out.class_name = "Dropout";
    return out;
  }
  return node;
}

function joinWeightData(w: tf.io.WeightData | undefined): ArrayBuffer {
  if (!w) return new ArrayBuffer(0);
  return Array.isArray(w) ? tf.io.concatenateArrayBuffers(w) : w;
}

/** Saves `model` (tfjs layers format) and `meta` into `dir`, replacing any previous model atomically. */
export async function saveModel(dir: string, model: tf.LayersModel, meta: ModelMeta = {}): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts) throw new Error(`saveModel ${dir}: tfjs produced no model artifacts`);
  const modelJson = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version["tfjs-layers"]}`,
    convertedBy: null,
    modelTopology: toStockTopology(artifacts.modelTopology as Json),
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
  };
  const files: Record<string, string | Uint8Array> = {
    "model.json": JSON.stringify(modelJson),
    "weights.bin": new Uint8Array(joinWeightData(artifacts.weightData)),
    "unet.json": JSON.stringify({ ...meta, savedAt: new Date().toISOString() }, null, 2),
  };
  await writeFolderAtomic(dir, (staging) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
  });
}

function readJson(file: string, what: string): Record<string, unknown> {
  if (!existsSync(file)) throw new FileError(file, `missing (${what})`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new FileError(file, `not valid JSON (${(e as Error).message})`);
  }
}

/** Reads `unet.json` beside a saved model (empty if the model came from elsewhere). */
export function readModelMeta(dir: string): ModelMeta {
  const f = join(dir, "unet.json");
  if (!existsSync(f)) return {};
  const meta = readJson(f, "model metadata") as ModelMeta;
  if (meta.recipe !== undefined) meta.recipe = checkRecipe(meta.recipe, f);
  return meta;
}

/** Loads a model saved by `saveModel` (or any tfjs layers model with a single weights file). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const mj = readJson(join(dir, "model.json"), "tfjs model topology");
  const manifest = mj.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] | undefined;
  if (!mj.modelTopology || !Array.isArray(manifest)) {
    throw new Error(`${join(dir, "model.json")}: not a tfjs layers model (no modelTopology/weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const f = join(dir, p);
      if (!existsSync(f)) throw new Error(`${f}: missing weights file named in model.json`);
      const b = readFileSync(f);
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (expected !== weightData.byteLength) {
    throw new Error(`${dir}: weights hold ${weightData.byteLength} bytes but model.json describes ${expected}`);
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: mj.modelTopology as object, weightSpecs: specs, weightData }),
  );
}

// ---------------------------------------------------------------- patch and scene prediction

/** Yields to the event loop so progress output and kernel messages get through during long loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Probabilities for `count` patches stored channels-last back to back (count×size×size×channels), in
 * batches; returns count×size×size values.
 */
export async function predictPatches(
  model: tf.LayersModel,
  images: Float32Array,
  count: number,
  size: number,
  channels: number,
  batchSize = 8,
): Promise<Float32Array> {
  const per = size * size * channels;
  if (images.length !== count * per) {
    throw new Error(`predictPatches: ${images.length} values for ${count} patches of ${size}×${size}×${channels}`);
  }
  const out = new Float32Array(count * size * size);
  for (let i = 0; i < count; i += batchSize) {
    const n = Math.min(batchSize, count - i);
    const p = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(i * per, (i + n) * per), [n, size, size, channels]);
      return model.predict(x) as tf.Tensor;
    });
    out.set(await p.data(), i * size * size);
    p.dispose();
    await yieldToEventLoop();
  }
  return out;
}

export interface PredictSceneOptions {
  /** Tile side in pixels (default: the model's input size, or 128 for a size-agnostic model). */
  tileSize?: number;
  /** Overlap between neighbouring tiles in pixels (default a quarter of the tile). */
  overlap?: number;
  /** Tiles per forward pass (default 8). */
  batchSize?: number;
  /**
   * Tiles on the grid of multiples of the tile size, without overlap (edge tiles mirrored past the
   * scene): each tile then covers whole normalisation blocks as a training patch did. `overlap` is ignored.
   */
  alignToGrid?: boolean;
  onProgress?: (tilesDone: number, tilesTotal: number) => void;
}

/** Tile start offsets along one axis of length `n`: stride tile−overlap, the last tile flush with the end. */
export function tileStarts(n: number, tile: number, overlap: number): number[] {
  if (n <= tile) return [0];
  const stride = tile - overlap;
  if (stride <= 0) throw new Error(`overlap ${overlap} must be smaller than the tile size ${tile}`);
  const starts: number[] = [];
  for (let s = 0; s + tile < n; s += stride) starts.push(s);
  starts.push(n - tile);
  return starts;
}

/** Blending weight along one axis of a tile: rises linearly over `overlap` pixels from each edge, never 0. */
export function edgeRamp(tile: number, overlap: number): Float32Array {
  const w = new Float32Array(tile);
  const o = Math.max(1, overlap);
  for (let i = 0; i < tile; i++) w[i] = Math.min(1, (i + 0.5) / o, (tile - i - 0.5) / o);
  return w;
}

/** Mirror index into [0, n) (…2 1 0 1 2 … n−2 n−1 n−2 …) for tiles larger than the scene. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  const m = ((i % p) + p) % p;
  return m < n ? m : p - m;
}

function modelTileSize(model: tf.LayersModel): number | null {
  const s = model.inputs[0].shape;
  return typeof s[1] === "number" ? s[1] : null;
}

/** Top-left corners [x0, y0] of a scene's tiles, row by row: the order tiles are predicted and blended in. */
export function sceneTiles(width: number, height: number, tile: number, overlap: number, alignToGrid = false): [number, number][] {
  // Aligned tiles start on the recipe's normalisation blocks, so a tile never straddles two of them.
  const starts = (n: number): number[] => (alignToGrid ? Array.from({ length: Math.ceil(n / tile) }, (_, i) => i * tile) : tileStarts(n, tile, overlap));
  const xs = starts(width);
  const tiles: [number, number][] = [];
  for (const y0 of starts(height)) for (const x0 of xs) tiles.push([x0, y0]);
  return tiles;
}

/**
 * Copies the tiles at `corners` out of a channels-last scene (height×width×channels) into `out`, back to
 * back (count×tile×tile×channels), mirroring where a tile runs past the scene.
 */
export function cutTiles(
  features: Float32Array,
  width: number,
  height: number,
  channels: number,
  tile: number,
  corners: readonly [number, number][],
  out = new Float32Array(corners.length * tile * tile * channels),
): Float32Array {
  const per = tile * tile * channels;
  corners.forEach(([x0, y0], b) => {
    for (let r = 0; r < tile; r++) {
      const sy = mirror(y0 + r, height);
      for (let c = 0; c < tile; c++) {
        const sx = mirror(x0 + c, width);
        const src = (sy * width + sx) * channels;
        out.set(features.subarray(src, src + channels), b * per + (r * tile + c) * channels);
      }
    }
  });
  return out;
}

/** Weighted sum of tile probabilities over a scene; tiles must be added in `sceneTiles` order for the same bytes. */
export class TileBlend {
  private readonly ramp: Float32Array;
  private readonly acc: Float64Array;
  private readonly wsum: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly tile: number,
    overlap: number,
  ) {
    this.ramp = edgeRamp(tile, overlap);
    this.acc = new Float64Array(width * height);
    this.wsum = new Float64Array(width * height);
  }

  /** Adds the probabilities of the tiles at `corners` (count×tile×tile, as the model outputs them). */
  add(corners: readonly [number, number][], prob: ArrayLike<number>): void {
    const { tile, width, height, ramp, acc, wsum } = this;
    corners.forEach(([x0, y0], b) => {
      for (let r = 0; r < tile && y0 + r < height; r++) {
        for (let c = 0; c < tile && x0 + c < width; c++) {
          const w = ramp[r] * ramp[c];
          const o = (y0 + r) * width + x0 + c;
          acc[o] += w * prob[b * tile * tile + r * tile + c];
          wsum[o] += w;
        }
      }
    });
  }

  /** Blended probability per pixel (height×width). */
  result(): Float32Array {
    const out = new Float32Array(this.width * this.height);
    for (let i = 0; i < out.length; i++) out[i] = this.acc[i] / this.wsum[i];
    return out;
  }
}

/** Tile side and overlap `predictScene` uses for `model` under `opts`. */
export function sceneTiling(
  model: tf.LayersModel,
  opts: Pick<PredictSceneOptions, "tileSize" | "overlap" | "alignToGrid"> = {},
): { tile: number; overlap: number; alignToGrid: boolean } {
  const fixed = modelTileSize(model);
  const tile = opts.tileSize ?? fixed ?? 128;
  if (fixed !== null && tile !== fixed) throw new Error(`predictScene: the model takes ${fixed}-pixel tiles, not ${tile}`);
  const alignToGrid = opts.alignToGrid === true;
  return { tile, overlap: alignToGrid ? 0 : Math.min(opts.overlap ?? Math.floor(tile / 4), tile - 1), alignToGrid };
}

/**
 * Landslide probability for every pixel of a scene. `features` is height×width×channels, channels-last
 * (Table 2 order). Returns height×width probabilities in [0, 1].
 */
export async function predictScene(
  model: tf.LayersModel,
  features: Float32Array,
  width: number,
  height: number,
  opts: PredictSceneOptions = {},
): Promise<Float32Array> {
  const channels = model.inputs[0].shape[3];
  if (typeof channels !== "number") throw new Error("predictScene: the model's channel count is not fixed");
  if (features.length !== width * height * channels) {
    throw new Error(
      `predictScene: ${features.length} feature values for a ${width}×${height} scene of ${channels} channels (expected ${width * height * channels})`,
    );
  }
  const { tile, overlap, alignToGrid } = sceneTiling(model, opts);
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const tiles = sceneTiles(width, height, tile, overlap, alignToGrid);
  const blend = new TileBlend(width, height, tile, overlap);
  const per = tile * tile * channels;
  const buf = new Float32Array(batchSize * per);
  for (let t0 = 0; t0 < tiles.length; t0 += batchSize) {
    const n = Math.min(batchSize, tiles.length - t0);
    const corners = tiles.slice(t0, t0 + n);
    cutTiles(features, width, height, channels, tile, corners, buf);
    const p = tf.tidy(() => model.predict(tf.tensor4d(buf.subarray(0, n * per), [n, tile, tile, channels])) as tf.Tensor);
    const prob = (await p.data()) as Float32Array;
    p.dispose();
    blend.add(corners, prob);
    opts.onProgress?.(t0 + n, tiles.length);
    await yieldToEventLoop();
  }
  return blend.result();
}

// ---------------------------------------------------------------- GeoTIFF in and out

/** Interleaves band-sequential planes into one channels-last array (H×W×bands). */
export function bandsToChannelsLast(bands: ArrayLike<number>[], pixels: number): Float32Array {
  const c = bands.length;
  const out = new Float32Array(pixels * c);
  for (let k = 0; k < c; k++) {
    const b = bands[k];
    if (b.length !== pixels) throw new Error(`band ${k + 1} has ${b.length} pixels, expected ${pixels}`);
    for (let i = 0; i < pixels; i++) out[i * c + k] = b[i];
  }
  return out;
}

/** A feature raster as the network's channels-last input (H×W×bands). */
export function sceneFeatures(r: Pick<Raster, "bands" | "width" | "height" | "noData">): Float32Array {
  const x = bandsToChannelsLast(r.bands, r.width * r.height);
  if (r.noData !== undefined) {
    // Nodata pixels get 0 features rather than a huge sentinel value the network never saw.
    for (let i = 0; i < x.length; i++) if (x[i] === r.noData || Number.isNaN(x[i])) x[i] = 0;
  }
  return x;
}

/** Writes a landslide-probability GeoTIFF (float32, one band) on the grid of `like` (atomic). */
export function writeProbabilityGeoTiff(file: string, prob: Float32Array, like: Pick<Raster, "width" | "height" | "transform" | "epsg">, threshold?: number): void {
  if (prob.length !== like.width * like.height) {
    throw new Error(`${file}: ${prob.length} probabilities for a ${like.width}×${like.height} grid`);
  }
  writeRaster(file, {
    width: like.width,
    height: like.height,
    bands: [prob],
    transform: like.transform,
    epsg: like.epsg,
    bandNames: ["landslide_probability"],
    metadata: { DESCRIPTION: "U-Net landslide probability (Zigui study, Fig 1 model)", ...(threshold !== undefined ? { THRESHOLD: String(threshold) } : {}) },
  });
}

/**
 * Predicts every pixel of a GeoTIFF and writes the probability GeoTIFF on the same grid. The input is
 * either a 14-band scene in L4S order, whose features are made here with the model's `recipe` (and tiles
 * aligned to its blocks), or a feature GeoTIFF with the model's channels (`npm run landslide -- features`,
 * which must have used the same recipe). Returns the probabilities.
 */
export async function predictGeoTiff(
  model: tf.LayersModel,
  inFile: string,
  outFile: string | undefined,
  opts: PredictSceneOptions & { threshold?: number; recipe?: FeatureRecipe } = {},
): Promise<{ prob: Float32Array; raster: Raster; from: "scene" | "features" }> {
  const r = await readRaster(inFile);
  const channels = model.inputs[0].shape[3];
  let x: Float32Array;
  let from: "scene" | "features";
  let tiling: PredictSceneOptions = opts;
  if (r.bands.length === L4S_BAND_COUNT && channels !== L4S_BAND_COUNT) {
    if (!opts.recipe) throw new FileError(inFile, "is a 14-band scene but the model has no feature recipe (unet.json); make features with `npm run landslide -- features` first");
    const bands = r.bands.map((b) => {
      if (r.noData === undefined) return b;
      const f = Float32Array.from(b);
      for (let i = 0; i < f.length; i++) if (f[i] === r.noData) f[i] = NaN;
      return f;
    });
    x = recipeFeatures({ width: r.width, height: r.height, bands }, opts.recipe);
    from = "scene";
    if (tilesAlignToBlocks(opts.recipe)) tiling = { ...opts, alignToGrid: true };
  } else {
    if (r.bands.length !== channels) {
      throw new FileError(inFile, `has ${r.bands.length} bands; the model takes ${channels} feature channels (Table 2 order) or a 14-band L4S scene`);
    }
    x = bandsToChannelsLast(r.bands, r.width * r.height);
    from = "features";
    if (r.noData !== undefined) {
      // Nodata pixels get 0 features rather than a huge sentinel value the network never saw.
      for (let i = 0; i < x.length; i++) if (x[i] === r.noData || Number.isNaN(x[i])) x[i] = 0;
    }
    if (opts.recipe && tilesAlignToBlocks(opts.recipe)) tiling = { ...opts, alignToGrid: true };
  }
  const prob = await predictScene(model, x, r.width, r.height, tiling);
  if (outFile) writeProbabilityGeoTiff(outFile, prob, r, opts.threshold);
  return { prob, raster: r, from };
}
