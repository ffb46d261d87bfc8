/**
 * Where the Zigui landslide notebooks and CLIs find their data for each profile:
 * - `sample`: the simulated `l4s` and `zigui-scene` datasets under `<data dir>/samples/<id>/`, built on
 *   first use (seeded, so every machine gets the same bytes);
 * - `mirror`: the 15 real Landslide4Sense patches of the mirror (`<mirror>/l4s-sample`); the study
 *   scene has no public mirror (no Zigui Sentinel-2/ALOS tile could be found), so the simulated scene
 *   stands in;
 * - `full`: the fetched Landslide4Sense release under `<data dir>/l4s/` (TrainData/img + TrainData/mask,
 *   or a flat folder) and a study-area scene at `<data dir>/zigui/scene.tif` (14 bands, L4S order).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, type DataProfile } from "../project";
import { mirrorDir } from "../environment";
import { SAMPLE_DATASETS } from "../data/samples/index";

/** Seed of the shipped samples (the registry's default build). */
export const SAMPLE_SEED = 42;

/**
 * The folder of a registered sample dataset, built now if it is missing or of an older simulator
 * version (into a temporary folder renamed into place, so an interrupted build is never taken for a
 * finished one).
 */
export async function sampleDir(id: string, opts: { seed?: number; size?: number; quiet?: boolean } = {}): Promise<string> {
  const ds = SAMPLE_DATASETS.find((d) => d.id === id);
  if (!ds) throw new Error(`no sample dataset "${id}" (known: ${SAMPLE_DATASETS.map((d) => d.id).join(", ")})`);
  const seed = opts.seed ?? SAMPLE_SEED;
  const size = opts.size ?? 1;
  const suffix = seed === SAMPLE_SEED && size === 1 ? "" : `-seed${seed}-size${size}`;
  const dir = join(dataDir(), "samples", id + suffix);
  const stamp = join(dir, ".sample-version");
  if (existsSync(join(dir, "truth.json")) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === ds.version) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await ds.build(tmp, { seed, size, quiet: opts.quiet });
  writeFileSync(join(tmp, ".sample-version"), ds.version + "\n");
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** The folder of L4S patches for a profile. */
export async function l4sDir(profile: DataProfile): Promise<string> {
  if (profile === "sample") return sampleDir("l4s");
  if (profile === "mirror") {
    const m = mirrorDir();
    const dir = m ? join(m, "l4s-sample") : undefined;
    if (!dir || !existsSync(dir)) {
      throw new Error("profile mirror: no mirror with l4s-sample/ found (set DLAB_MIRROR or place ../shared/data)");
    }
    return dir;
  }
  const full = join(dataDir(), "l4s");
  const train = join(full, "TrainData");
  if (existsSync(train)) return train;
  if (existsSync(full)) return full;
  throw new Error(`profile full: Landslide4Sense not found at ${full} (fetch it first)`);
}

/** The study-area scene for a profile (see the module comment for `mirror`). */
export async function sceneDir(profile: DataProfile): Promise<string> {
  if (profile === "full") {
    const dir = join(dataDir(), "zigui");
    if (!existsSync(join(dir, "scene.tif"))) throw new Error(`profile full: no study-area scene at ${join(dir, "scene.tif")}`);
    return dir;
  }
  return sampleDir("zigui-scene");
}
