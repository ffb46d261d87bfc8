// Device-run check that notebook 11's training uses the GPU engine by default and how long it takes
// (bundled like gpu-entry.ts; needs h5wasm's node build in node_modules, which run.sh unpacks). Runs the
// notebook's two configurations on the simulated `l4s` sample data, with backend "auto":
//  - the sample profile: half-width U-Net (8-16-32-64-128), 64-px tiles, batch 8, 8 epochs;
//  - the paper's settings on the same data: 16-32-64-128-256, 128 px, batch 16, 100 epochs.
import { writeFileSync } from "node:fs";
import { unetFor } from "../../src/cli/landslide-model";
import { l4sDir } from "../../src/samples/landslide-input";
import { loadL4SPatches } from "../../src/landslide/patches";
import { train } from "../../src/landslide/train";
import { ZIGUI_LANDSLIDES } from "../../src/studies/zigui/landslides";

process.env.DLAB_QUIET = "1";
const p = ZIGUI_LANDSLIDES.unet;
const folder = await l4sDir("sample", { quiet: true });
const out: Record<string, unknown> = {};
for (const run of [
  { name: "sample profile", crop: 64 as number | undefined, filters: [8, 16, 32, 64, 128], epochs: 8, batch: 8 },
  { name: "paper settings", crop: undefined, filters: [...p.encoderFilters], epochs: p.epochs, batch: p.batchSize },
]) {
  const data = await loadL4SPatches(folder, { crop: run.crop });
  const t0 = Date.now();
  const r = await train(data, {
    outDir: `/tmp/train-${run.crop ?? 128}`,
    unet: unetFor(run.filters, data.size),
    config: { epochs: run.epochs, batchSize: run.batch, learningRate: p.learningRate, threshold: p.threshold, validationFraction: p.validationFraction, seed: p.seed },
    backend: "auto",
    resume: false,
  });
  const best = r.log[r.bestEpoch - 1];
  out[run.name] = {
    backend: r.backend,
    patches: `${r.trainCount} + ${r.valCount} of ${data.size} px`,
    epochs: r.log.length,
    seconds: (Date.now() - t0) / 1000,
    secondsPerEpoch: r.log.map((l) => Math.round(l.seconds * 100) / 100),
    bestEpoch: r.bestEpoch,
    valPrecision: best.valPrecision,
    valRecall: best.valRecall,
    valF1: best.valF1,
    loss: r.log.map((l) => Math.round(l.loss * 10000) / 10000),
  };
  process.stderr.write(`${run.name}: ${JSON.stringify(out[run.name])}\n`);
}
if (process.env.OUT) writeFileSync(`${process.env.OUT}/train-sample.json`, JSON.stringify(out, null, 1));
process.exit(0);
