/**
 * Landslide scene prediction as queue jobs. The run step turns the feature GeoTIFF into a channels-last
 * float32 file and copies the model into the run folder, so a worker needs nothing but the shared
 * folder. A job is one forward batch of consecutive tiles (with their overlap) of `predictScene`'s tile
 * grid, and the merge job blends the tiles in `predictScene`'s order: with the batch size the same, the
 * mosaic is the same bytes as `npm run landslide -- predict` on one machine.
 *
 * Adapter: the tile cutting and blending loops repeat those inside `predictScene` (src/landslide/infer.ts),
 * which offers no per-tile entry point; that file should export `sceneTiles`, `cutTiles` and `blendTiles`.
 */
import * as tf from "@tensorflow/tfjs";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";
import { readRaster, type GeoTransform } from "../io/raster";
import { selectBackend, parseBackendName, type BackendName } from "../landslide/backend";
import { bandsToChannelsLast, edgeRamp, loadModel, readModelMeta, tileStarts, writeProbabilityGeoTiff } from "../landslide/infer";
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

const mirror = (i: number, n: number): number => {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  const m = ((i % p) + p) % p;
  return m < n ? m : p - m;
};

export async function prepareLandslide(dir: string, rel: string, o: LandslideRunOptions): Promise<PreparedRun> {
  const r = await readRaster(o.input);
  const x = bandsToChannelsLast(r.bands, r.width * r.height);
  // As predictGeoTiff: nodata pixels get 0 features rather than a sentinel value the network never saw.
  if (r.noData !== undefined) for (let i = 0; i < x.length; i++) if (x[i] === r.noData || Number.isNaN(x[i])) x[i] = 0;
  const backend = o.backend ?? "cpu";
  await selectBackend({ backend });
  const model = await loadModel(o.model);
  const shape = model.inputs[0].shape;
  model.dispose();
  const channels = shape[3];
  if (typeof channels !== "number") throw new FileError(o.model, "the model's channel count is not fixed");
  if (r.bands.length !== channels) throw new FileError(o.input, `has ${r.bands.length} bands; the model takes ${channels} feature channels (Table 2 order)`);
  const tile = typeof shape[1] === "number" ? shape[1] : 128;
  const overlap = Math.min(o.overlap ?? Math.floor(tile / 4), tile - 1);
  const batch = Math.max(1, Math.min(64, o.batch ?? 8));
  const tiles: [number, number][] = [];
  for (const y0 of tileStarts(r.height, tile, overlap)) for (const x0 of tileStarts(r.width, tile, overlap)) tiles.push([x0, y0]);
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
    const per = tile * tile * channels;
    const buf = new Float32Array(count * per);
    for (let b = 0; b < count; b++) {
      const [x0, y0] = run.tiles[first + b];
      for (let r = 0; r < tile; r++) {
        const sy = mirror(y0 + r, height);
        for (let c = 0; c < tile; c++) {
          const src = (sy * width + mirror(x0 + c, width)) * channels;
          buf.set(features.subarray(src, src + channels), b * per + (r * tile + c) * channels);
        }
      }
    }
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
    const ramp = edgeRamp(tile, overlap);
    const acc = new Float64Array(width * height);
    const wsum = new Float64Array(width * height);
    const nJobs = Math.ceil(run.tiles.length / run.batch);
    for (let k = 0; k < nJobs; k++) {
      const id = `t${String(k).padStart(4, "0")}`;
      const bytes = readProduct(dir, runId, id);
      const prob = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const first = k * run.batch;
      const n = Math.min(run.batch, run.tiles.length - first);
      if (prob.length !== n * tile * tile) throw new FileError(join(dir, "jobs", `${id}.bin`), `${prob.length} probabilities for ${n} tiles of ${tile}×${tile}`);
      for (let b = 0; b < n; b++) {
        const [x0, y0] = run.tiles[first + b];
        for (let r = 0; r < tile && y0 + r < height; r++) {
          for (let c = 0; c < tile && x0 + c < width; c++) {
            const w = ramp[r] * ramp[c];
            const o = (y0 + r) * width + x0 + c;
            acc[o] += w * prob[b * tile * tile + r * tile + c];
            wsum[o] += w;
          }
        }
      }
    }
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = acc[i] / wsum[i];
    const file = join(dir, "probability.tif");
    writeProbabilityGeoTiff(file, out, { width, height, transform: run.transform, epsg: run.epsg }, run.threshold);
    return new TextEncoder().encode(JSON.stringify({ files: [{ name: "probability.tif", sha256: sha256(readFileSync(file)) }] }) + "\n");
  },
};
