import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeRaster } from "../../src/io/raster";
import { selectBackend } from "../../src/landslide/backend";
import { loadModel, predictGeoTiff, saveModel } from "../../src/landslide/infer";
import { buildUNet, PAPER_UNET, type UNetConfig } from "../../src/landslide/unet";
import { prepareLandslide } from "../../src/queue/landslide";
import { executeRun } from "../../src/queue/run";
import { Cluster, HAVE_REDIS } from "./cluster";

const root = mkdtempSync(join(tmpdir(), "queue-landslide-"));
const small: UNetConfig = { ...PAPER_UNET, inputSize: 32, inputChannels: 4, filters: [4, 8, 8], encoderDropout: [0.1, 0.1, 0.1], decoderDropout: [0.1, 0.1] };
const features = join(root, "features.tif");
const modelDir = join(root, "model");
const reference = join(root, "reference-prob.tif");
let cluster: Cluster | undefined;

// A 56×56 scene of 32-pixel tiles overlapping by 8: tiles at 0 and 24 on each axis, 4 tiles, 1 per job.
beforeAll(async () => {
  await selectBackend({ backend: "cpu" });
  const { model } = buildUNet(small, 11);
  await saveModel(modelDir, model, {});
  model.dispose();
  const w = 56;
  const planes = [0, 1, 2, 3].map((k) => Float32Array.from({ length: w * w }, (_, i) => (((i * (k + 3)) % 17) + ((i / w) | 0) * 0.01) / 17));
  writeRaster(features, { width: w, height: w, bands: planes, transform: { originX: 300000, originY: 3400000, pixelWidth: 10, pixelHeight: -10 }, epsg: 32649 });
  const m = await loadModel(modelDir);
  await predictGeoTiff(m, features, reference, { overlap: 8, batchSize: 1 });
  m.dispose();
}, 60_000);
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const prepare = (name: string) => prepareLandslide(join(root, name), name, { input: features, model: modelDir, overlap: 8, batch: 1, backend: "cpu" });

describe("landslide scene tiles as jobs", () => {
  it("in one process: 4 tile jobs and a merge give predictGeoTiff's GeoTIFF byte for byte", async () => {
    const run = await prepare("inproc");
    expect(run.jobs.map((j) => j.payload)).toEqual([0, 1, 2, 3].map((first) => expect.objectContaining({ first, count: 1 })));
    const out = await executeRun(root, run, { quiet: true });
    expect(out).toMatchObject({ ok: true, jobs: 5, failed: [] });
    expect(readFileSync(join(run.dir, "probability.tif")).equals(readFileSync(reference))).toBe(true);
  }, 60_000);

  it.skipIf(!HAVE_REDIS)(`on three BullMQ workers: the same bytes${HAVE_REDIS ? "" : " (skipped: redis-server is not installed)"}`, async () => {
    cluster = new Cluster(mkdtempSync(join(root, "cluster-")));
    await cluster.startRedis();
    for (let i = 0; i < 3; i++) cluster.startWorker(root);
    const run = await prepare("queued");
    const out = await executeRun(root, run, { queue: cluster.url, quiet: true, timeoutMs: 100_000 });
    expect(out, cluster.allLogs()).toMatchObject({ ok: true, jobs: 5, failed: [] });
    expect(readFileSync(join(run.dir, "probability.tif")).equals(readFileSync(reference))).toBe(true);
    const workersUsed = new Set([...cluster.allLogs().matchAll(/worker (\d+): done landslide-tile/g)].map((m) => m[1]));
    expect(workersUsed.size).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
