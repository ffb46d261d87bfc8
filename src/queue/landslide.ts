/**
 * Landslide scene prediction as queue jobs. The run step turns the feature GeoTIFF into a channels-last
 * float32 file and copies the model into the run folder, so a worker needs nothing but the shared
 * folder. A job is one forward batch of consecutive tiles (with their overlap) of `predictScene`'s tile
 * grid, and the merge job blends the tiles in `predictScene`'s order: with the batch size the same, the
 * mosaic is the same bytes as `npm run landslide -- predict` on one machine.
 *
 * The tile grid, cutting and blending are `predictScene`'s own (`sceneTiles`, `cutTiles`, `TileBlend`,
 * src/landslide/infer.ts), so only the batching across jobs lives here.
 */
import * as tf from "@tensorflow/tfjs";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";
import { readRaster, type GeoTransform } from "../io/raster";
import { selectBackend, parseBackendName, type BackendName } from "../landslide/backend";
import { cutTiles, loadModel, readModelMeta, sceneFeatures, sceneTiles, sceneTiling, TileBlend, writeProbabilityGeoTiff } from "../landslide/infer";
import { int } from "./payload";
import { readProduct, sha256 } from "./products";
import type { JobHandler, PreparedRun } from "./types";

export interface LandslideRunJson {
  kind: "landslide-predict";
  runId: string;
  width: number;
  height: number;
  channels: number;
  tile: number;
  overlap: number;
  /** Tiles per job, which is also the forward batch (as predictScene's batchSize). */
  batch: number;
  tiles: [number, number][];
  backend: BackendName;
  threshold?: number;
  transform?: GeoTransform;
  epsg?: number;
  source: string;
}

export interface LandslideRunOptions {
  /** Feature GeoTIFF (Table 2 band order). */
  input: string;
  /** Saved model folder (model.json, weights.bin, unet.json). */
  model: string;
  overlap?: number;
  batch?: number;
  backend?: BackendName;
  threshold?: number;
}

export async function prepareLandslide(dir: string, rel: string, o: LandslideRunOptions): Promise<PreparedRun> {
  const r = await readRaster(o.input);
  const x = sceneFeatures(r);
  const backend = o.backend ?? "cpu";
  await selectBackend({ backend });
  const model = await loadModel(o.model);
  const channels = model.inputs[0].shape[3];
  const { tile, overlap } = sceneTiling(model, { overlap: o.overlap });
  model.dispose();
  if (typeof channels !== "number") throw new FileError(o.model, "the model's channel count is not fixed");
  if (r.bands.length !== channels) throw new FileError(o.input, `has ${r.bands.length} bands; the model takes ${channels} feature channels (Table 2 order)`);
  const batch = Math.max(1, Math.min(64, o.batch ?? 8));
  const tiles = sceneTiles(r.width, r.height, tile, overlap);
  const featBytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  mkdirSync(join(dir, "input", "model"), { recursive: true });
  writeFileAtomic(join(dir, "input", "features.f32"), featBytes);
  let modelHash = "";
  for (const f of readdirSync(o.model).sort()) {
    if (f !== "model.json" && f !== "weights.bin" && f !== "unet.json") continue;
    copyFileSync(join(o.model, f), join(dir, "input", "model", f));
    if (f !== "unet.json") modelHash += sha256(readFileSync(join(o.model, f)));
  }
  const threshold = o.threshold ?? (readModelMeta(o.model).threshold as number | undefined);
  const body = { kind: "landslide-predict" as const, width: r.width, height: r.height, channels, tile, overlap, batch, tiles, backend, threshold, transform: r.transform, epsg: r.epsg, source: o.input };
  const runId = sha256(JSON.stringify(body) + sha256(featBytes) + modelHash).slice(0, 16);
  const run: LandslideRunJson = { ...body, runId };
  writeFileAtomic(join(dir, "run.json"), JSON.stringify(run, null, 2) + "\n");
  const jobs = [];
  for (let first = 0, k = 0; first < tiles.length; first += batch, k++) {
    const id = `t${String(k).padStart(4, "0")}`;
    jobs.push({ type: "landslide-tile" as const, id, payload: { run: rel, runId, id, first, count: Math.min(batch, tiles.length - first) } });
  }
  return { dir, rel, runId, jobs, merge: { type: "landslide-merge", id: "merge", payload: { run: rel, runId, id: "merge" } } };
}

function readRun(dir: string): LandslideRunJson {
  const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as LandslideRunJson;
  if (run.kind !== "landslide-predict") throw new FileError(join(dir, "run.json"), `is a ${run.kind} run, not landslide-predict`);
  parseBackendName(run.backend, join(dir, "run.json"));
  return run;
}

// One scene and one model per worker process at a time: consecutive jobs of a run reuse them.
let cached: { runId: string; model: tf.LayersModel; features: Float32Array } | undefined;

async function sceneFor(dir: string, run: LandslideRunJson): Promise<{ model: tf.LayersModel; features: Float32Array }> {
  if (cached?.runId === run.runId) return cached;
  cached?.model.dispose();
  cached = undefined;
  await selectBackend({ backend: run.backend });
  const f = join(dir, "input", "features.f32");
  const b = readFileSync(f);
  const n = run.width * run.height * run.channels;
  if (b.byteLength !== n * 4) throw new FileError(f, `${b.byteLength} bytes; a ${run.width}×${run.height}×${run.channels} float32 scene has ${n * 4}`);
  const features = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  cached = { runId: run.runId, model: await loadModel(join(dir, "input", "model")), features };
  return cached;
}

export const landslideTile: JobHandler = {
  fields: ["first", "count"],
  async run(dir, raw) {
    const run = readRun(dir);
    const first = int(raw, "first", 0, run.tiles.length - 1);
    const count = int(raw, "count", 1, Math.min(run.batch, run.tiles.length - first));
    const { model, features } = await sceneFor(dir, run);
    const { tile, channels, width, height } = run;
    const buf = cutTiles(features, width, height, channels, tile, run.tiles.slice(first, first + count));
    const p = tf.tidy(() => model.predict(tf.tensor4d(buf, [count, tile, tile, channels])) as tf.Tensor);
    const prob = Float32Array.from((await p.data()) as Float32Array);
    p.dispose();
    return new Uint8Array(prob.buffer);
  },
};

export const landslideMerge: JobHandler = {
  fields: [],
  async run(dir, _raw, runId) {
    const run = readRun(dir);
    const { tile, overlap, width, height } = run;
    const blend = new TileBlend(width, height, tile, overlap);
    const nJobs = Math.ceil(run.tiles.length / run.batch);
    for (let k = 0; k < nJobs; k++) {
      const id = `t${String(k).padStart(4, "0")}`;
      const bytes = readProduct(dir, runId, id);
      const prob = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const first = k * run.batch;
      const n = Math.min(run.batch, run.tiles.length - first);
      if (prob.length !== n * tile * tile) throw new FileError(join(dir, "jobs", `${id}.bin`), `${prob.length} probabilities for ${n} tiles of ${tile}×${tile}`);
      blend.add(run.tiles.slice(first, first + n), prob);
    }
    const out = blend.result();
    const file = join(dir, "probability.tif");
    writeProbabilityGeoTiff(file, out, { width, height, transform: run.transform, epsg: run.epsg }, run.threshold);
    return new TextEncoder().encode(JSON.stringify({ files: [{ name: "probability.tif", sha256: sha256(readFileSync(file)) }] }) + "\n");
  },
};
