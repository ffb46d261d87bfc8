/**
 * `npm run landslide -- scene --safe <product> [--safe …] --dem <file|dir> [--dem …] --out <scene.tif>`:
 * assembles the 14-band study scene (src/landslide/scene.ts) from Sentinel-2 L1C products and DEM
 * tiles. Defaults come from ZIGUI_LANDSLIDES (study bbox, UTM zone, scene parameters).
 */
import { assembleScene, type AssembleOptions, type Bbox, type SceneInputs } from "../landslide/scene";
import { ZIGUI_LANDSLIDES, type SceneParams } from "../studies/zigui/landslides";

const S = ZIGUI_LANDSLIDES.scene;
const B = ZIGUI_LANDSLIDES.bbox;

export const SCENE_HELP = `Usage: npm run landslide -- scene --safe <product> [--safe <product> ...] --dem <file|dir> [--dem ...] --out <scene.tif> [options]

Assembles the Zigui study scene: a 14-band float32 GeoTIFF in Landslide4Sense order (Sentinel-2 B1-B12
without B8A on a ${S.pixelM} m grid, slope in degrees by Horn's method, elevation in m), cropped to the study
area. The 20 m and 60 m bands and the DEM are resampled onto the 10 m grid; granules and DEM tiles are
mosaicked, and those in another UTM zone reprojected.

Inputs:
  --safe <path>            a Sentinel-2 L1C product: .SAFE folder or the zip as downloaded, or a folder
                           holding several (repeatable); DN -> TOA reflectance with each product's
                           QUANTIFICATION_VALUE and RADIO_ADD_OFFSET
  --dem <path>             a DEM GeoTIFF, or a folder searched for *.dem.tif (ALOS RTC), else *.tif
                           (repeatable); the CRS is read from each file's GeoKeys
  --out <file>             the scene GeoTIFF (written to a temporary name, renamed when complete)

Options (defaults from src/studies/zigui/landslides.ts):
  --scale l4s|reflectance  value scale of the S2 bands (default ${S.s2Scale}): l4s = reflectance x 10000
                           divided by the Landslide4Sense band means, as the training patches; or TOA
                           reflectance 0-1
  --resampling bilinear|nearest   of the 20 m and 60 m bands (default ${S.resampling}; the DEM is always bilinear)
  --bbox W,S,E,N           study area in degrees (default ${B.west},${B.south},${B.east},${B.north}, Zigui section 1)
  --epsg <code>            output CRS, WGS 84 / UTM (default ${ZIGUI_LANDSLIDES.utmEpsg})
  --pixel <m>              output pixel size (default ${S.pixelM})
  --max-uncovered <f>      share of the grid a band may leave without data, 0-1 (default ${S.maxUncoveredFraction})
  --dem-nodata <value>     DEM value meaning no data, besides each file's own nodata
  --quiet                  no progress output
  --help                   this text
`;

export interface SceneArgs {
  inputs: SceneInputs;
  out: string;
  options: AssembleOptions;
}

function number(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new Error(`scene: ${flag} must be a number, not "${v}"`);
  return n;
}

export function parseSceneArgs(argv: string[]): SceneArgs | "help" {
  const inputs: SceneInputs = { safe: [], dem: [] };
  const params: Partial<SceneParams> = {};
  const options: AssembleOptions = { params };
  let out = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`scene: ${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--help":
      case "-h":
        return "help";
      case "--safe":
        inputs.safe.push(value());
        break;
      case "--dem":
        inputs.dem.push(value());
        break;
      case "--out":
        out = value();
        break;
      case "--scale": {
        const v = value();
        if (v !== "l4s" && v !== "reflectance") throw new Error(`scene: --scale must be l4s or reflectance, not "${v}"`);
        params.s2Scale = v;
        break;
      }
      case "--resampling": {
        const v = value();
        if (v !== "bilinear" && v !== "nearest") throw new Error(`scene: --resampling must be bilinear or nearest, not "${v}"`);
        params.resampling = v;
        break;
      }
      case "--bbox": {
        const v = value();
        const parts = v.split(",").map((p) => number("--bbox", p));
        if (parts.length !== 4) throw new Error(`scene: --bbox takes west,south,east,north in degrees, not "${v}"`);
        const [west, south, east, north] = parts;
        options.bbox = { west, south, east, north } satisfies Bbox;
        break;
      }
      case "--epsg": {
        const v = number("--epsg", value());
        if (!Number.isInteger(v)) throw new Error(`scene: --epsg must be an EPSG code`);
        options.epsg = v;
        break;
      }
      case "--pixel":
        params.pixelM = number("--pixel", value());
        break;
      case "--max-uncovered":
        params.maxUncoveredFraction = number("--max-uncovered", value());
        break;
      case "--dem-nodata":
        options.demNoData = number("--dem-nodata", value());
        break;
      case "--quiet":
        options.quiet = true;
        break;
      default:
        throw new Error(`scene: unknown option "${a}" (see --help)`);
    }
  }
  if (inputs.safe.length === 0) throw new Error("scene: --safe is required (see --help)");
  if (inputs.dem.length === 0) throw new Error("scene: --dem is required (see --help)");
  if (!out) throw new Error("scene: --out is required (see --help)");
  return { inputs, out, options };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseSceneArgs(argv);
  if (args === "help") {
    process.stdout.write(SCENE_HELP);
    return;
  }
  const s = await assembleScene(args.inputs, args.out, args.options);
  const t = s.grid.transform;
  const gaps = Object.entries(s.uncovered).filter(([, f]) => f > 0);
  process.stdout.write(
    `${s.file}: 14 bands, ${s.grid.width}×${s.grid.height} px of ${t.pixelWidth} m, EPSG:${s.grid.epsg}, ` +
      `upper-left (${t.originX}, ${t.originY}); ${s.products.length} Sentinel-2 product(s), ${s.demFiles.length} DEM file(s)` +
      (gaps.length ? `; without data: ${gaps.map(([b, f]) => `${b} ${(f * 100).toFixed(3)} %`).join(", ")}` : "") +
      "\n",
  );
}
