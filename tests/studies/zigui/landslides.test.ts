import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { paramHelp, withOverrides } from "../../../src/core/params";
import { DEFAULT_UNET, FEATURE_SCHEMA, L4S_BANDS_SCHEMA, UNET_SCHEMA } from "../../../src/landslide/params";
import { ZIGUI_BAND_OVERRIDES, ZIGUI_FEATURE_OVERRIDES, ZIGUI_LANDSLIDES, ZIGUI_UNET_OVERRIDES } from "../../../src/studies/zigui/landslides";

/** `const name = value;` of a notebook's parameters cell, as JSON values. */
function parametersCell(file: string): Record<string, unknown> {
  const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: { cell_type: string; metadata?: { tags?: string[] }; source: string[] }[] };
  const cell = nb.cells.find((c) => c.metadata?.tags?.includes("parameters"))!;
  const out: Record<string, unknown> = {};
  for (const m of cell.source.join("").matchAll(/^const (\w+)(?:: \w+)? = (.+?);/gm)) out[m[1]] = JSON.parse(m[2].replace(/'/g, '"'));
  return out;
}

describe("Zigui landslide parameters", () => {
  it("carry the paper's values, every override with a source", () => {
    const U = ZIGUI_LANDSLIDES.unet;
    expect([U.patchSize, U.inputChannels, U.encoderFilters, U.batchSize, U.epochs, U.learningRate, U.threshold]).toEqual([128, 11, [16, 32, 64, 128, 256], 16, 100, 1e-3, 0.5]);
    expect(ZIGUI_LANDSLIDES.features.bands).toMatchObject({ blue: 2, green: 3, red: 4, nir: 8, swir1: 11, midInfrared: 12, slope: 13, elevation: 14 });
    for (const o of [ZIGUI_UNET_OVERRIDES, ZIGUI_FEATURE_OVERRIDES, ZIGUI_BAND_OVERRIDES]) {
      for (const [k, v] of Object.entries(o)) expect((v as { source: string }).source.length, k).toBeGreaterThan(3);
    }
    // The study is the schema defaults with its overrides, nothing else.
    expect(withOverrides(UNET_SCHEMA, ZIGUI_UNET_OVERRIDES)).toEqual(U);
    expect(withOverrides(L4S_BANDS_SCHEMA, ZIGUI_BAND_OVERRIDES)).toEqual(ZIGUI_LANDSLIDES.features.bands);
    expect(DEFAULT_UNET.seed).toBe(U.seed);
    expect(paramHelp(FEATURE_SCHEMA, ZIGUI_FEATURE_OVERRIDES, "zigui")).toMatch(/mode = keras-l4s .*\n\s+zigui: keras-l4s \(§3\.1/);
  });

  it("the notebooks' parameters cells equal the study", () => {
    const p10 = parametersCell("notebooks/10-zigui-features.ipynb");
    expect([p10.normalisation, p10.extent, p10.midInfraredBand, p10.normaliseBsi]).toEqual([ZIGUI_LANDSLIDES.features.mode, ZIGUI_LANDSLIDES.features.extent, ZIGUI_LANDSLIDES.features.bands.midInfrared, ZIGUI_LANDSLIDES.features.normaliseBsi]);
    const p11 = parametersCell("notebooks/11-zigui-training.ipynb");
    const U = ZIGUI_LANDSLIDES.unet;
    expect([p11.epochs, p11.batchSize, p11.learningRate, p11.threshold, p11.validationFraction, p11.seed, p11.filters]).toEqual([U.epochs, U.batchSize, U.learningRate, U.threshold, U.validationFraction, U.seed, U.encoderFilters]);
    const p12 = parametersCell("notebooks/12-zigui-identification.ipynb");
    expect([p12.threshold, p12.minAreaM2, p12.connectivity]).toEqual([U.threshold, ZIGUI_LANDSLIDES.polygons.minAreaM2, ZIGUI_LANDSLIDES.polygons.connectivity]);
  });
});
