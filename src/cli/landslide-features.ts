/**
 * `npm run landslide -- features --input <patch.h5 | scene.tif> --out <file.tif>`: the 11 Table 2
 * features as a float32 GeoTIFF (band names set, georeference copied from a GeoTIFF input) that QGIS
 * opens. Options mirror the notebook parameters (defaults from ZIGUI_LANDSLIDES.features).
 */
import { extname } from "node:path";
import { readRaster, writeRaster } from "../io/raster";
import { channel, featurePlanes, featureStackBlocks, FEATURE_NAMES, L4S_BAND_COUNT, type BandImage } from "../landslide/features";
import { readL4SImage, patchBands } from "../landslide/l4s";
import {
  ZIGUI_LANDSLIDES,
  type FeatureParams,
  type NormalisationMode,
} from "../studies/zigui/landslides";
import type { Raster } from "../io/raster";

export const FEATURES_HELP = `Usage: npm run landslide -- features --input <patch.h5 | scene.tif> --out <features.tif> [options]

Writes the 11 features of Table 2 (Zigui study), in order, as a float32 GeoTIFF:
  ${FEATURE_NAMES.join(", ")}

Input: a Landslide4Sense patch (HDF5, dataset img 128x128x14) or a 14-band GeoTIFF in L4S band order
(S2 B1-B12, slope, DEM). Georeference and CRS of a GeoTIFF input are kept.

Options (defaults from src/studies/zigui/landslides.ts):
  --mode keras-l4s|eq1        normalisation (default ${ZIGUI_LANDSLIDES.features.mode})
  --block <px>                normalise per block of px×px (128: as the L4S training patches);
                              default 0: min/max over the whole input (a patch, or the whole scene)
  --mid-infrared <band>       1-based L4S band used as "mid-infrared" (default ${ZIGUI_LANDSLIDES.features.bands.midInfrared})
  --normalise-bsi             normalise BSI by eq. 1 before inverting
  --help                      this text
`;

export interface FeaturesArgs {
  input: string;
  out: string;
  params: FeatureParams;
  /** Normalisation block in pixels; 0 = the whole input. */
  block: number;
}

export function parseFeaturesArgs(argv: string[]): FeaturesArgs | "help" {
  const params: FeatureParams = { ...ZIGUI_LANDSLIDES.features, bands: { ...ZIGUI_LANDSLIDES.features.bands }, extent: "patch" };
  let input = "";
  let out = "";
  let block = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`features: ${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--help":
      case "-h":
        return "help";
      case "--input":
        input = value();
        break;
      case "--out":
        out = value();
        break;
      case "--mode": {
        const v = value();
        if (v !== "keras-l4s" && v !== "eq1") throw new Error(`features: --mode must be keras-l4s or eq1, not "${v}"`);
        params.mode = v as NormalisationMode;
        break;
      }
      case "--mid-infrared": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1 || v > 12) throw new Error(`features: --mid-infrared must be a band 1–12`);
        params.bands.midInfrared = v;
        break;
      }
      case "--block": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 0) throw new Error(`features: --block must be a whole number of pixels ≥ 0`);
        block = v;
        break;
      }
      case "--normalise-bsi":
        params.normaliseBsi = true;
        break;
      default:
        throw new Error(`features: unknown option "${a}" (see --help)`);
    }
  }
  if (!input) throw new Error("features: --input is required (see --help)");
  if (!out) throw new Error("features: --out is required (see --help)");
  return { input, out, params, block };
}

/** Reads a patch or a scene as L4S-ordered bands, with the georeference when there is one. */
export async function readBandsForFeatures(input: string): Promise<{ img: BandImage; raster: Omit<Raster, "bands"> }> {
  const ext = extname(input).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") {
    const p = await readL4SImage(input);
    return { img: patchBands(p), raster: { width: p.width, height: p.height } };
  }
  if (ext === ".tif" || ext === ".tiff") {
    const r = await readRaster(input);
    if (r.bands.length !== L4S_BAND_COUNT) {
      throw new Error(`${input}: has ${r.bands.length} bands, expected ${L4S_BAND_COUNT} in L4S order (S2 B1–B12, slope, DEM)`);
    }
    const bands = r.bands.map((b) => {
      if (r.noData === undefined) return b;
      const f = Float32Array.from(b);
      for (let i = 0; i < f.length; i++) if (f[i] === r.noData) f[i] = NaN;
      return f;
    });
    return { img: { width: r.width, height: r.height, bands }, raster: { width: r.width, height: r.height, transform: r.transform, epsg: r.epsg } };
  }
  throw new Error(`${input}: unknown input type "${ext}" (expected .h5 or .tif)`);
}

export async function main(argv: string[]): Promise<void> {
  const args = parseFeaturesArgs(argv);
  if (args === "help") {
    process.stdout.write(FEATURES_HELP);
    return;
  }
  const { img, raster } = await readBandsForFeatures(args.input);
  let bands: Float32Array[];
  if (args.block > 0) {
    const stack = featureStackBlocks(img, args.params, args.block);
    const n = img.width * img.height;
    bands = FEATURE_NAMES.map((_k, c) => channel(stack, n, FEATURE_NAMES.length, c));
  } else {
    const planes = featurePlanes(img, args.params);
    bands = FEATURE_NAMES.map((k) => planes[k]);
  }
  writeRaster(args.out, {
    ...raster,
    bands,
    bandNames: [...FEATURE_NAMES],
    metadata: {
      SOURCE: args.input,
      NORMALISATION: args.params.mode,
      EXTENT: args.block > 0 ? `block ${args.block}` : "whole input",
      MID_INFRARED_BAND: String(args.params.bands.midInfrared),
      REFERENCE: "Yin, Liu, He 2025, South China Geology 41(2), Table 2",
    },
  });
  process.stdout.write(`${args.out}: ${FEATURE_NAMES.length} features, ${img.width}×${img.height}\n`);
}
