/**
 * Landslide4Sense (Ghorbanzadeh et al. 2022) patches: `image_N.h5` holds dataset `img`, 128×128×14
 * (float32 or float64; bands S2 B1–B12, slope, DEM), `mask_N.h5` holds `mask`, 128×128 uint8 {0, 1}.
 * The released data set keeps images and masks in `img/` and `mask/` folders; mirrors keep them side
 * by side. Both layouts are read, pairs are matched by N, and every problem names its file.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { readH5 } from "../io/hdf5";
import { featureBatch, fromChannelsLast, L4S_BAND_COUNT, type BandImage, type QuantityRanges } from "./features";
import { DEFAULT_FEATURES, type FeatureParams } from "./params";

export const L4S_PATCH_SIZE = 128;

export class L4SError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "L4SError";
  }
}

export interface L4SImage {
  width: number;
  height: number;
  /** Channels-last H×W×14, as stored (Float64Array for the released float64 files). */
  img: Float32Array | Float64Array;
}

export interface L4SPatch extends L4SImage {
  /** The N of image_N.h5. */
  id: number;
  imageFile: string;
  maskFile?: string;
  /** H×W, 1 = landslide; absent for unlabelled (test) patches. */
  mask?: Uint8Array;
}

export interface L4SReadOptions {
  /** Expected patch side (128 for L4S); other sizes are an error. */
  size?: number;
}

/** Reads the `img` dataset of one L4S image file and checks its shape and type. */
export async function readL4SImage(file: string, opts: L4SReadOptions = {}): Promise<L4SImage> {
  const size = opts.size ?? L4S_PATCH_SIZE;
  const { datasets } = await readH5(file, ["img"]).catch((e: Error) => {
    throw e.message.startsWith(file) ? e : new L4SError(file, e.message);
  });
  const d = datasets.img;
  const shape = d.shape;
  if (shape.length !== 3 || shape[0] !== size || shape[1] !== size || shape[2] !== L4S_BAND_COUNT) {
    throw new L4SError(file, `dataset img has shape [${shape.join(", ")}], expected [${size}, ${size}, ${L4S_BAND_COUNT}]`);
  }
  if (Array.isArray(d.data)) throw new L4SError(file, "dataset img holds strings, expected float32 or float64");
  const img = d.data instanceof Float32Array || d.data instanceof Float64Array ? d.data : Float32Array.from(d.data);
  return { width: shape[1], height: shape[0], img };
}

/** Reads the `mask` dataset of one L4S mask file: H×W (or H×W×1), values 0 or 1. */
export async function readL4SMask(file: string, opts: L4SReadOptions = {}): Promise<Uint8Array> {
  const size = opts.size ?? L4S_PATCH_SIZE;
  const { datasets } = await readH5(file, ["mask"]).catch((e: Error) => {
    throw e.message.startsWith(file) ? e : new L4SError(file, e.message);
  });
  const d = datasets.mask;
  const s = d.shape;
  const ok = (s.length === 2 || (s.length === 3 && s[2] === 1)) && s[0] === size && s[1] === size;
  if (!ok) throw new L4SError(file, `dataset mask has shape [${s.join(", ")}], expected [${size}, ${size}]`);
  if (Array.isArray(d.data)) throw new L4SError(file, "dataset mask holds strings, expected 0/1 integers");
  const out = new Uint8Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const v = d.data[i];
    if (v !== 0 && v !== 1) throw new L4SError(file, `mask value ${v} at pixel ${i} (row ${Math.floor(i / size)}), expected 0 or 1`);
    out[i] = v;
  }
  return out;
}

export interface L4SPair {
  id: number;
  image: string;
  mask?: string;
}

const IMAGE_RE = /^image_(\d+)\.h5$/;
const MASK_RE = /^mask_(\d+)\.h5$/;

function h5Files(dir: string, re: RegExp): Map<number, string> {
  const out = new Map<number, string>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
  for (const f of readdirSync(dir)) {
    const m = re.exec(f);
    if (m) out.set(Number(m[1]), join(dir, f));
  }
  return out;
}

/**
 * Pairs image_N.h5 with mask_N.h5 in a folder, side by side or in `img/` + `mask/` subfolders, sorted by
 * N. A missing mask is an error unless `allowMissingMasks` (the unlabelled L4S test split); a mask
 * without an image is always an error.
 */
export function pairL4SFolder(dir: string, opts: { allowMissingMasks?: boolean } = {}): L4SPair[] {
  if (!existsSync(dir)) throw new L4SError(dir, "no such folder");
  const images = new Map([...h5Files(dir, IMAGE_RE), ...h5Files(join(dir, "img"), IMAGE_RE)]);
  const masks = new Map([...h5Files(dir, MASK_RE), ...h5Files(join(dir, "mask"), MASK_RE)]);
  if (images.size === 0) throw new L4SError(dir, "no image_N.h5 files (looked in the folder and in img/)");
  for (const [id, m] of masks) {
    if (!images.has(id)) throw new L4SError(m, `mask without an image: no image_${id}.h5 beside it or in img/`);
  }
  const pairs: L4SPair[] = [];
  for (const id of [...images.keys()].sort((a, b) => a - b)) {
    const image = images.get(id)!;
    const mask = masks.get(id);
    if (!mask && !opts.allowMissingMasks) {
      throw new L4SError(image, `has no mask_${id}.h5 (beside it or in mask/); pass allowMissingMasks for unlabelled patches`);
    }
    pairs.push({ id, image, mask });
  }
  return pairs;
}

/** Reads one image (and its mask when given). */
export async function readL4SPatch(imageFile: string, maskFile?: string, opts: L4SReadOptions = {}): Promise<L4SPatch> {
  const m = IMAGE_RE.exec(basename(imageFile));
  const im = await readL4SImage(imageFile, opts);
  const mask = maskFile ? await readL4SMask(maskFile, opts) : undefined;
  return { id: m ? Number(m[1]) : -1, imageFile, maskFile, mask, ...im };
}

/** Reads every pair of a folder (optionally only `ids`, or the first `limit`). */
export async function readL4SFolder(
  dir: string,
  opts: L4SReadOptions & { allowMissingMasks?: boolean; ids?: number[]; limit?: number } = {},
): Promise<L4SPatch[]> {
  let pairs = pairL4SFolder(dir, opts);
  if (opts.ids) {
    const want = new Set(opts.ids);
    const missing = opts.ids.filter((id) => !pairs.some((p) => p.id === id));
    if (missing.length) throw new L4SError(dir, `no image for id ${missing.join(", ")}`);
    pairs = pairs.filter((p) => want.has(p.id));
  }
  if (opts.limit !== undefined) pairs = pairs.slice(0, opts.limit);
  const out: L4SPatch[] = [];
  for (const p of pairs) out.push(await readL4SPatch(p.image, p.mask, opts));
  return out;
}

/** A patch as band-sequential planes for `src/landslide/features`. */
export function patchBands(p: L4SImage): BandImage {
  return fromChannelsLast(p.img, p.width, p.height, L4S_BAND_COUNT);
}

export interface L4STrainingArrays {
  /** N×H×W×11 channels-last features (Table 2 order). */
  x: Float32Array;
  /** N×H×W masks as 0/1 floats. */
  y: Float32Array;
  ids: number[];
  count: number;
  size: number;
  channels: number;
}

/** Features and masks of labelled patches, ready for the U-Net. */
export function trainingArrays(
  patches: L4SPatch[],
  params: FeatureParams = DEFAULT_FEATURES,
  ranges?: QuantityRanges,
): L4STrainingArrays {
  if (patches.length === 0) throw new Error("trainingArrays: no patches");
  const size = patches[0].width;
  const x = featureBatch(patches.map(patchBands), params, ranges);
  const y = new Float32Array(patches.length * size * size);
  patches.forEach((p, i) => {
    if (!p.mask) throw new L4SError(p.imageFile, "has no mask; training needs labelled patches");
    if (p.width !== size || p.height !== size) throw new L4SError(p.imageFile, `is ${p.width}×${p.height}, the first patch is ${size}×${size}`);
    y.set(p.mask, i * size * size);
  });
  return { x, y, ids: patches.map((p) => p.id), count: patches.length, size, channels: 11 };
}
