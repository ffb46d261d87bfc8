/**
 * Landslide4Sense patches as U-Net training sets: reading a folder into features + masks (Table 2
 * features via src/landslide/features) and cutting patches into smaller tiles, which the sample
 * profile uses to train a reduced model quickly.
 */
import { DEFAULT_FEATURES, type FeatureParams } from "./params";
import { readL4SFolder, trainingArrays } from "./l4s";
import { patchSetFromArrays, type PatchSet } from "./patchset";

/**
 * Cuts each size×size patch into (size/crop)² non-overlapping crop×crop tiles (size must be a multiple
 * of crop). Ids become `<id>:<row>,<col>`.
 */
export function cropPatches(s: PatchSet, crop: number): PatchSet {
  if (crop === s.size) return s;
  if (!(crop > 0) || s.size % crop !== 0) throw new Error(`crop ${crop} must divide the patch size ${s.size}`);
  const k = s.size / crop;
  const count = s.count * k * k;
  const C = s.channels;
  const images = new Float32Array(count * crop * crop * C);
  const masks = new Uint8Array(count * crop * crop);
  const ids: string[] = [];
  let t = 0;
  for (let n = 0; n < s.count; n++) {
    for (let ty = 0; ty < k; ty++) {
      for (let tx = 0; tx < k; tx++, t++) {
        ids.push(`${s.ids?.[n] ?? n}:${ty},${tx}`);
        for (let r = 0; r < crop; r++) {
          const srcPix = (n * s.size + ty * crop + r) * s.size + tx * crop;
          const dstPix = (t * crop + r) * crop;
          images.set(s.images.subarray(srcPix * C, (srcPix + crop) * C), dstPix * C);
          for (let c = 0; c < crop; c++) masks[dstPix + c] = s.masks[srcPix + c] > 0.5 ? 1 : 0;
        }
      }
    }
  }
  return { images, masks, count, size: crop, channels: C, ids };
}

export interface LoadPatchesOptions {
  /** Read only the first `limit` pairs (sorted by patch number). */
  limit?: number;
  /** Feature construction (default DEFAULT_FEATURES; a study passes its own). */
  features?: FeatureParams;
  /** Cut patches into crop×crop tiles. */
  crop?: number;
}

/** Reads labelled L4S patches (image_N.h5 + mask_N.h5) of a folder as an 11-feature training set. */
export async function loadL4SPatches(dir: string, opts: LoadPatchesOptions = {}): Promise<PatchSet> {
  const patches = await readL4SFolder(dir, { limit: opts.limit });
  const set = patchSetFromArrays(trainingArrays(patches, opts.features ?? DEFAULT_FEATURES));
  return opts.crop ? cropPatches(set, opts.crop) : set;
}

/** Share of landslide pixels (for the trivial-predictor baseline). */
export function positiveShare(s: PatchSet): number {
  let n = 0;
  for (let i = 0; i < s.masks.length; i++) if (s.masks[i] > 0.5) n++;
  return n / s.masks.length;
}
