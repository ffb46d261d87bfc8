// Packs the 15 mirrored Landslide4Sense patches as model inputs for the feature-9 band comparison
// (bench/device/mir-compare.ts): `npx tsx bench/device/mir-data.ts [folder]` writes .device-data/mir.bin —
// a JSON header line, then float32 features (Zigui recipe, feature 9 from S2 B10) for every patch,
// float32 feature-9 planes from S2 B12, and uint8 masks. Features are made here (the raw float64
// patches would not fit the device's 64 MB working-tree limit beside the engine's bundle).
import { mkdirSync, writeFileSync } from "node:fs";
import { FEATURE_NAMES } from "../../src/landslide/features";
import { patchBands, readL4SFolder } from "../../src/landslide/l4s";
import { recipeBatch, recipeFromParams } from "../../src/landslide/recipe";
import { ZIGUI_LANDSLIDES } from "../../src/studies/zigui/landslides";

const folder = process.argv[2] ?? "/work/shared/data/l4s-sample";
const patches = await readL4SFolder(folder);
const images = patches.map(patchBands);
const size = patches[0].width;
const base = ZIGUI_LANDSLIDES.features;
const r10 = recipeFromParams({ ...base, bands: { ...base.bands, midInfrared: 10 } }, size);
const r12 = recipeFromParams({ ...base, bands: { ...base.bands, midInfrared: 12 } }, size);
const x10 = recipeBatch(images, r10);
const x12 = recipeBatch(images, r12);
const k = FEATURE_NAMES.indexOf("inv_norm_mid_infrared");
const px = size * size;
const plane12 = new Float32Array(patches.length * px);
for (let i = 0; i < patches.length * px; i++) plane12[i] = x12[i * FEATURE_NAMES.length + k];
const masks = new Uint8Array(patches.length * px);
patches.forEach((p, i) => masks.set(p.mask!, i * px));
const header = JSON.stringify({ ids: patches.map((p) => p.id), size, channels: FEATURE_NAMES.length, feature9: k, recipes: { B10: r10, B12: r12 }, source: folder });
mkdirSync(".device-data", { recursive: true });
const parts = [Buffer.from(header + "\n"), Buffer.from(x10.buffer), Buffer.from(plane12.buffer), Buffer.from(masks.buffer)];
writeFileSync(".device-data/mir.bin", Buffer.concat(parts));
process.stderr.write(`.device-data/mir.bin: ${patches.length} patches (${patches.map((p) => p.id).join(", ")}), landslide share ${(masks.reduce((s, v) => s + v, 0) / masks.length).toFixed(3)}\n`);
