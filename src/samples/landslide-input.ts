/**
 * Where the Zigui landslide notebooks and CLIs find their data for each profile (through the project's
 * data layer, ./locate.ts):
 * - `sample`: the simulated `l4s` and `zigui-scene` datasets under `<data dir>/samples/<id>/`, built on
 *   first use with the project's default seed;
 * - `mirror`: the 15 real Landslide4Sense patches (manifest `l4s-sample`), taken from the mirror folder
 *   and verified by sha256; the study scene has no public copy (no Zigui Sentinel-2/ALOS tile could be
 *   mirrored), so the simulated scene stands in;
 * - `full`: the Landslide4Sense release (manifest `landslide4sense`, its TrainData folder) and the
 *   study-area stack `<data dir>/zigui/scene.tif`, 14 bands in L4S order (S2 B1–B12 on the 10 m grid,
 *   slope °, DEM m), assembled from the `s2-zigui-l1c` and `alos-dem-zigui` downloads
 *   (src/landslide/scene.ts, with the Zigui study's bbox, UTM zone and scene parameters) when it is absent or older than they are.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { dataDir, type DataProfile } from "../core/project";
import { ensureProfileInput, MissingDataError } from "./locate";
import { STATE_FILE } from "../data/fetch";
import { assembleScene, findDemFiles, type AssembleOptions } from "../landslide/scene";
import { ZIGUI_LANDSLIDES } from "../studies/zigui/landslides";
import { findSafeProducts } from "../grid/sentinel2";

/** Sample and manifest ids of the L4S input. */
export const L4S_INPUT = { sample: "l4s", real: "l4s-sample", full: "landslide4sense" };

function hasImages(dir: string): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  const has = (d: string): boolean => existsSync(d) && readdirSync(d).some((f) => /^image_\d+\.h5$/.test(f));
  return has(dir) || has(join(dir, "img"));
}

/** The folder of L4S patches for a profile (pairs beside each other or in img/ + mask/). */
export async function l4sDir(profile: DataProfile, opts: { quiet?: boolean } = {}): Promise<string> {
  const r = await ensureProfileInput(L4S_INPUT, profile, { quiet: opts.quiet });
  if (profile !== "full") return r.dir;
  // The release unpacks into TrainData/ValidData/TestData; training reads TrainData.
  const candidates = [join(r.dir, "TrainData"), ...readdirSync(r.dir).map((d) => join(r.dir, d, "TrainData")), r.dir];
  const found = candidates.find(hasImages);
  if (!found) throw new Error(`${r.dir}: no TrainData folder with image_N.h5 patches in the fetched Landslide4Sense data`);
  return found;
}

/** Manifest ids of the downloads the full-profile scene is assembled from. */
export const SCENE_DOWNLOADS = { s2: "s2-zigui-l1c", dem: "alos-dem-zigui" };

/** Newest modification time among the inputs (a SAFE folder counts by its files' times). */
function newestMtime(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    const st = statSync(p);
    t = Math.max(t, st.mtimeMs);
    if (st.isDirectory()) for (const f of readdirSync(p)) t = Math.max(t, newestMtime([join(p, f)]));
  }
  return t;
}

/** The folder holding the study-area `scene.tif` for a profile (see the module comment). */
export async function sceneDir(
  profile: DataProfile,
  opts: { quiet?: boolean; /** Options of the assembly (tests pass a small bbox). */ assemble?: Partial<AssembleOptions> } = {},
): Promise<string> {
  if (profile === "full") {
    const dir = join(dataDir(), "zigui");
    const scene = join(dir, "scene.tif");
    const s2 = join(dataDir(), SCENE_DOWNLOADS.s2);
    const dem = join(dataDir(), SCENE_DOWNLOADS.dem);
    const fetched = existsSync(join(s2, STATE_FILE)) && existsSync(join(dem, STATE_FILE));
    if (!fetched) {
      if (existsSync(scene)) return dir; // assembled elsewhere and copied in
      throw new MissingDataError(
        `profile full: no study-area stack at ${scene}, and the downloads it is assembled from are missing ` +
          `(${SCENE_DOWNLOADS.s2}, ${SCENE_DOWNLOADS.dem}); fetch them and it is built on first use ` +
          "(14 bands: S2 B1–B12 resampled to 10 m, slope °, DEM m)",
        `npm run data -- fetch ${SCENE_DOWNLOADS.s2} && npm run data -- fetch ${SCENE_DOWNLOADS.dem}`,
      );
    }
    const safe = findSafeProducts([existsSync(join(s2, "safe")) ? join(s2, "safe") : s2]);
    const demFiles = findDemFiles([existsSync(join(dem, "dem")) ? join(dem, "dem") : dem]);
    if (!existsSync(scene) || statSync(scene).mtimeMs < newestMtime([...safe, ...demFiles])) {
      const z = ZIGUI_LANDSLIDES;
      await assembleScene({ safe, dem: demFiles }, scene, { bbox: z.bbox, epsg: z.utmEpsg, params: z.scene, quiet: opts.quiet, ...opts.assemble });
    }
    return dir;
  }
  return (await ensureProfileInput({ sample: "zigui-scene", real: "zigui-scene" }, "sample", { quiet: opts.quiet })).dir;
}
