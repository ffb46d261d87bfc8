/**
 * Where notebook 20 gets its SLC stack: an explicit stack (ISCE2 folder, complex GeoTIFF folder or .h5;
 * layout detected by `openStack`), or for the `sample` profile the simulated `ps-stack` under
 * `<data dir>/samples/ps-stack` (built on first use through the data layer). The real Foshan SLCs
 * (manifest `s1-foshan`, 85 Sentinel-1 IW scenes) arrive as zipped SAFE products; they must be
 * coregistered (ISCE2 topsStack) before this step, so `mirror`/`full` take the coregistered stack as `stackDir`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataProfile } from "../core/project";
import { MissingDataError } from "../core/errors";
import { openStack } from "../ps/open";
import type { StackSource } from "../ps/stack";
import { ensureProfileInput } from "./locate";
import { psStack } from "./ps-stack";

/**
 * The sample stack folder, built through the data layer (stamped, cached per simulator version, seed and
 * size; the same copy `npm run data -- samples --only ps-stack` makes).
 */
export async function ensurePsSample(opts: { quiet?: boolean; dataDir?: string } = {}): Promise<string> {
  const r = await ensureProfileInput({ sample: psStack.id, real: "s1-foshan" }, "sample", { quiet: opts.quiet, dataDir: opts.dataDir });
  return r.dir;
}

export interface PsInput {
  stack: StackSource;
  dir: string;
  /** Subway lines (WGS-84 LineStrings with `name`) when the folder has lines.geojson. */
  linesFile?: string;
  /** Simulator truth (sample profile only). */
  truthFile?: string;
}

export async function psInput(profile: DataProfile, stackDir = "", opts: { quiet?: boolean } = {}): Promise<PsInput> {
  let dir = stackDir;
  if (!dir) {
    if (profile !== "sample") {
      throw new MissingDataError(
        `profile "${profile}": the Foshan Sentinel-1 SLCs (\`npm run data -- fetch s1-foshan\`, 85 scenes 2015-06-15 … 2018-09-15) ` +
          `must be coregistered first (ISCE2 topsStack); pass the stack folder (ISCE2 merged/SLC + baselines/, or complex GeoTIFFs <yyyymmdd>.tif + stack.json) or a stack .h5 as stackDir`,
        "npm run data -- fetch s1-foshan, then coregister with ISCE2 topsStack",
      );
    }
    dir = await ensurePsSample({ quiet: opts.quiet });
  }
  const stack = await openStack(dir);
  const lines = join(dir, "lines.geojson");
  const truth = join(dir, "truth.json");
  return {
    stack,
    dir,
    ...(existsSync(lines) ? { linesFile: lines } : {}),
    ...(existsSync(truth) ? { truthFile: truth } : {}),
  };
}
