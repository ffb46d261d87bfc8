// Device run (bundled by bundle.sh as mir.mjs; also `npx tsx bench/device/mir-compare.ts` on the CPU,
// with MIR_EPOCHS / MIR_SEEDS to bound it and OUT for the JSON): which band should feature 9 ("inverted normalised
// mid-infrared") take, S2 B10 (cirrus, the paper-text reading) or S2 B12 (SWIR-2)? On the 15 real L4S
// patches of .device-data/mir.bin (mir-data.ts): 3 folds of 5 held-out patches; for each fold, choice
// and seed the U-Net (paper architecture and learning rate) is trained on the other 10 with settings fixed
// before any result was seen (batch 8, MIR_EPOCHS epochs, no validation split: the final model is used) and
// evaluated once on the held-out 5 — pixel-global F1 and the per-patch Keras F1. Nothing is tuned on the
// held-out patches.
import { readFileSync, writeFileSync } from "node:fs";
import { evaluateSet } from "../../src/landslide/evaluate";
import { loadModel } from "../../src/landslide/infer";
import type { PatchSet } from "../../src/landslide/patchset";
import { train } from "../../src/landslide/train";
import { PAPER_UNET } from "../../src/landslide/unet";

process.env.DLAB_QUIET = "1";
const buf = readFileSync(".device-data/mir.bin");
const nl = buf.indexOf(10);
const head = JSON.parse(buf.subarray(0, nl).toString()) as { ids: number[]; size: number; channels: number; feature9: number; recipes: Record<string, unknown> };
const n = head.ids.length;
const px = head.size * head.size;
const C = head.channels;
let off = nl + 1;
const take = (bytes: number): ArrayBuffer => {
  const b = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + bytes);
  off += bytes;
  return b;
};
const x10 = new Float32Array(take(n * px * C * 4));
const plane12 = new Float32Array(take(n * px * 4));
const masks = new Uint8Array(take(n * px));
const x12 = Float32Array.from(x10);
for (let i = 0; i < n * px; i++) x12[i * C + head.feature9] = plane12[i];

function subset(x: Float32Array, idx: number[]): PatchSet {
  const images = new Float32Array(idx.length * px * C);
  const m = new Uint8Array(idx.length * px);
  idx.forEach((i, j) => {
    images.set(x.subarray(i * px * C, (i + 1) * px * C), j * px * C);
    m.set(masks.subarray(i * px, (i + 1) * px), j * px);
  });
  return { images, masks: m, count: idx.length, size: head.size, channels: C, ids: idx.map((i) => String(head.ids[i])) };
}

const folds = [0, 1, 2].map((f) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === f));
const seeds = (process.env.MIR_SEEDS ?? "1,2,3").split(",").map(Number);
const epochs = Number(process.env.MIR_EPOCHS ?? 150);
const batchSize = Number(process.env.MIR_BATCH ?? 8);
const rows: Record<string, unknown>[] = [];
for (const [fi, held] of folds.entries()) {
  const trainIdx = Array.from({ length: n }, (_, i) => i).filter((i) => !held.includes(i));
  for (const choice of ["B10", "B12"] as const) {
    const x = choice === "B10" ? x10 : x12;
    for (const seed of seeds) {
      const t0 = Date.now();
      const r = await train(subset(x, trainIdx), {
        outDir: `/tmp/mir-${choice}-${fi}-${seed}`,
        unet: { ...PAPER_UNET, inputSize: head.size },
        config: { epochs, batchSize, learningRate: 1e-3, threshold: 0.5, validationFraction: 0, seed },
        backend: "auto",
        resume: false,
        quiet: true,
      });
      const model = await loadModel(r.finalDir);
      const m = await evaluateSet(model, subset(x, held), 5, 0.5);
      model.dispose();
      const row = { fold: fi, held: held.map((i) => head.ids[i]), choice, seed, f1: m.f1, precision: m.precision, recall: m.recall, kerasF1: m.kerasF1, trainLoss: r.log[r.log.length - 1].loss, seconds: (Date.now() - t0) / 1000, backend: r.backend };
      rows.push(row);
      process.stderr.write(JSON.stringify(row) + "\n");
    }
  }
}
const summary: Record<string, unknown> = {};
for (const choice of ["B10", "B12"]) {
  const f = rows.filter((r) => r.choice === choice).map((r) => r.f1 as number);
  const k = rows.filter((r) => r.choice === choice).map((r) => r.kerasF1 as number);
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const sd = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));
  summary[choice] = { runs: f.length, f1Mean: mean(f), f1Sd: sd(f), kerasF1Mean: mean(k), kerasF1Sd: sd(k) };
}
const out = { settings: { epochs, batchSize, seeds, folds: folds.map((h) => h.map((i) => head.ids[i])) }, summary, rows };
process.stderr.write(JSON.stringify(summary) + "\n");
if (process.env.OUT) writeFileSync(`${process.env.OUT}/mir-compare.json`, JSON.stringify(out, null, 1));
process.exit(0);
