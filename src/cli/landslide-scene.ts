/**
 * `npm run landslide -- scene --safe <product> [--safe …] --dem <file|dir> [--dem …] --out <scene.tif>`:
 * assembles the 14-band study scene (src/landslide/scene.ts) from Sentinel-2 L1C products and DEM
 * tiles, with the Zigui study's bbox, UTM zone and scene parameters unless overridden.
 */
import { optionHelp, parseCommand, requireOption, type OptionTable } from "../core/cli";
import { assertWritableFile } from "../core/atomic";
import { UsageError } from "../core/errors";
import { applyParams, paramHelp, parseAssignments } from "../core/params";
import { assembleScene, type AssembleOptions, type Bbox, type SceneInputs } from "../landslide/scene";
import { SCENE_SCHEMA, type SceneParams } from "../landslide/params";
import { ZIGUI_LANDSLIDES, ZIGUI_SCENE_OVERRIDES } from "../studies/zigui/landslides";

const B = ZIGUI_LANDSLIDES.bbox;

export const SCENE_OPTIONS = {
  safe: { type: "string", multiple: true, value: "PATH", description: "Sentinel-2 L1C product: .SAFE folder, its zip, or a folder holding several" },
  dem: { type: "string", multiple: true, value: "PATH", description: "DEM GeoTIFF, or a folder searched for *.dem.tif (ALOS RTC), else *.tif" },
  out: { type: "string", value: "FILE", description: "the scene GeoTIFF (temporary name, renamed when complete)" },
  scale: { type: "string", value: "l4s|reflectance", description: "= --param s2Scale=…" },
  resampling: { type: "string", value: "bilinear|nearest", description: "= --param resampling=…" },
  pixel: { type: "string", value: "M", description: "= --param pixelM=…" },
  "max-uncovered": { type: "string", value: "F", description: "= --param maxUncoveredFraction=…" },
  bbox: { type: "string", value: "W,S,E,N", description: `study area in degrees (default ${B.west},${B.south},${B.east},${B.north}, Zigui §1.1)` },
  epsg: { type: "string", value: "CODE", description: `output CRS, WGS 84 / UTM (default ${ZIGUI_LANDSLIDES.utmEpsg})` },
  "dem-nodata": { type: "string", value: "VALUE", description: "DEM value meaning no data, besides each file's own nodata" },
  param: { type: "string", multiple: true, value: "NAME=VALUE", description: "set a scene parameter (list below)" },
  quiet: { type: "boolean", description: "no progress output" },
  help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;

export const SCENE_HELP = `Usage: npm run landslide -- scene --safe <product> [--safe ...] --dem <file|dir> [--dem ...] --out <scene.tif> [options]

Assembles the study scene: a 14-band float32 GeoTIFF in Landslide4Sense order (Sentinel-2 B1-B12 without
B8A, slope in degrees by Horn's method, elevation in m), cropped to the study area. The 20 m and 60 m
bands and the DEM are resampled onto the output grid; granules and DEM tiles are mosaicked, and those in
another UTM zone reprojected. DN -> TOA reflectance with each product's QUANTIFICATION_VALUE and
RADIO_ADD_OFFSET.

Options:
${optionHelp(SCENE_OPTIONS)}

Parameters (--param name=value; default, then the Zigui study's value):
${paramHelp(SCENE_SCHEMA, ZIGUI_SCENE_OVERRIDES, "zigui")}
`;

export interface SceneArgs {
  inputs: SceneInputs;
  out: string;
  options: AssembleOptions;
}

function number(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, not "${v}"`);
  return n;
}

export function parseSceneArgs(argv: string[]): SceneArgs | "help" {
  const { options: o } = parseCommand(argv, SCENE_OPTIONS);
  if (o.help) return "help";
  const assign: Record<string, string> = parseAssignments(o.param);
  if (o.scale !== undefined) assign.s2Scale = o.scale;
  if (o.resampling !== undefined) assign.resampling = o.resampling;
  if (o.pixel !== undefined) assign.pixelM = o.pixel;
  if (o["max-uncovered"] !== undefined) assign.maxUncoveredFraction = o["max-uncovered"];
  const params: SceneParams = applyParams(SCENE_SCHEMA, ZIGUI_LANDSLIDES.scene, assign);
  let bbox: Bbox = B;
  if (o.bbox !== undefined) {
    const parts = o.bbox.split(",").map((p) => number("bbox", p));
    if (parts.length !== 4) throw new UsageError(`--bbox takes west,south,east,north in degrees, not "${o.bbox}"`);
    const [west, south, east, north] = parts;
    bbox = { west, south, east, north };
  }
  const epsg = o.epsg === undefined ? ZIGUI_LANDSLIDES.utmEpsg : number("epsg", o.epsg);
  if (!Number.isInteger(epsg)) throw new UsageError(`--epsg must be an EPSG code, not ${epsg}`);
  if (o.safe.length === 0) throw new UsageError("--safe is required");
  if (o.dem.length === 0) throw new UsageError("--dem is required");
  const out = requireOption(o.out, "out");
  const options: AssembleOptions = { params, bbox, epsg, quiet: o.quiet };
  if (o["dem-nodata"] !== undefined) options.demNoData = number("dem-nodata", o["dem-nodata"]);
  return { inputs: { safe: o.safe, dem: o.dem }, out, options };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseSceneArgs(argv);
  if (args === "help") {
    process.stdout.write(SCENE_HELP);
    return 0;
  }
  assertWritableFile(args.out);
  const s = await assembleScene(args.inputs, args.out, args.options);
  const t = s.grid.transform;
  const gaps = Object.entries(s.uncovered).filter(([, f]) => f > 0);
  process.stdout.write(
    `${s.file}: 14 bands, ${s.grid.width}×${s.grid.height} px of ${t.pixelWidth} m, EPSG:${s.grid.epsg}, ` +
      `upper-left (${t.originX}, ${t.originY}); ${s.products.length} Sentinel-2 product(s), ${s.demFiles.length} DEM file(s)` +
      (gaps.length ? `; without data: ${gaps.map(([b, f]) => `${b} ${(f * 100).toFixed(3)} %`).join(", ")}` : "") +
      "\n",
  );
  return 0;
}
