/**
 * Where notebook 20 and the CLI get their SLC stack: an explicit ISCE2 folder, or for the `sample`
 * profile the simulated `ps-stack` under `<data dir>/samples/ps-stack` (built here on first use when
 * `npm run data -- samples` has not been run). The real Foshan stack (85 Sentinel-1 IW SLCs) is not
 * redistributable; `mirror`/`full` expect it coregistered with ISCE2 topsStack and passed as a folder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { dataDir, type DataProfile } from "../project";
import { psStack } from "../data/samples/ps-stack";
import { openIsceStack, type StackSource } from "./stack";

/** The seed the data layer's `npm run data -- samples` uses by default. */
export const PS_SAMPLE_SEED = 20250119;

export interface PsInput {
  stack: StackSource;
  dir: string;
  /** Subway lines (WGS-84 LineStrings with `name`) when the folder has lines.geojson. */
  linesFile?: string;
  /** Simulator truth (sample profile only). */
  truthFile?: string;
}

export async function ensurePsSample(opts: { seed?: number; size?: number; quiet?: boolean; dir?: string } = {}): Promise<string> {
  const dir = opts.dir ?? join(dataDir(), "samples", psStack.id);
  if (existsSync(join(dir, "merged", "SLC")) && existsSync(join(dir, "truth.json"))) return dir;
  const tmp = `${dir}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await psStack.build(tmp, { seed: opts.seed ?? PS_SAMPLE_SEED, size: opts.size ?? 1, quiet: opts.quiet });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

export async function psInput(profile: DataProfile, stackDir = "", opts: { quiet?: boolean } = {}): Promise<PsInput> {
  let dir = stackDir;
  if (!dir) {
    if (profile !== "sample") {
      throw new Error(
        `profile "${profile}": the Foshan Sentinel-1 SLC stack (85 scenes, 2015-06-15 … 2018-09-15) is not redistributable; ` +
          `coregister it with ISCE2 topsStack and pass the folder as stackDir (a folder with merged/SLC and baselines/)`,
      );
    }
    dir = await ensurePsSample({ quiet: opts.quiet });
  }
  const stack = openIsceStack(dir);
  const lines = join(dir, "lines.geojson");
  const truth = join(dir, "truth.json");
  return {
    stack,
    dir,
    ...(existsSync(lines) ? { linesFile: lines } : {}),
    ...(existsSync(truth) ? { truthFile: truth } : {}),
  };
}

export interface SubwayLineFeature {
  name: string;
  coordinates: [number, number][];
}

export function readLines(file: string): SubwayLineFeature[] {
  const fc = JSON.parse(readFileSync(file, "utf8")) as {
    features?: { geometry?: { type?: string; coordinates?: [number, number][] }; properties?: { name?: string } }[];
  };
  if (!Array.isArray(fc.features)) throw new Error(`${file}: not a GeoJSON FeatureCollection`);
  return fc.features
    .filter((f) => f.geometry?.type === "LineString" && Array.isArray(f.geometry.coordinates))
    .map((f, i) => ({ name: f.properties?.name ?? `line ${i + 1}`, coordinates: f.geometry!.coordinates! }));
}
