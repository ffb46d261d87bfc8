/**
 * ASF HyP3 InSAR products (INSAR_GAMMA): one folder per pair named like
 * `S1AA_20230209T103035_20230221T103035_VVP012_INT80_G_ueF_1A2B`, holding `<name>_unw_phase.tif`
 * (radians), `<name>_corr.tif`, optional `<name>_dem.tif`, `<name>_lv_theta.tif`,
 * `<name>_water_mask.tif`, and the metadata `<name>.txt` ("Key: value" lines: Baseline, Heading,
 * Spacecraft height, Earth radius at nadir, Range/Azimuth looks, …), read as MintPy prep_hyp3 does.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { assembleStack, datesFromName, slantRangeFromIncidence, type PairFiles } from "./assemble";
import { listFiles, SPEED_OF_LIGHT } from "./gamma";
import { type IfgramStack, SbasInputError } from "./types";

/** Sentinel-1 C-band radar frequency (Hz); HyP3 metadata does not carry the wavelength. */
export const SENTINEL1_FREQUENCY = 5.405e9;

export function parseHyp3Metadata(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  if (!("Baseline" in out)) throw new SbasInputError(file, 'is not HyP3 metadata (no "Baseline:" line)');
  return out;
}

export function looksLikeHyp3(root: string): boolean {
  return listFiles(root).some((f) => /_unw_phase\.tif$/i.test(f));
}

function metaNumber(meta: Record<string, string>, key: string, file: string): number {
  const n = parseFloat(meta[key] ?? "");
  if (!Number.isFinite(n)) throw new SbasInputError(file, `has no numeric "${key}"`);
  return n;
}

export async function readHyp3Stack(root: string, opts: { quiet?: boolean } = {}): Promise<IfgramStack> {
  if (!existsSync(root)) throw new SbasInputError(root, "does not exist");
  const files = listFiles(root);
  const unw = files.filter((f) => /_unw_phase\.tif$/i.test(f));
  if (!unw.length) throw new SbasInputError(root, "contains no HyP3 *_unw_phase.tif products");
  let firstMeta: Record<string, string> | undefined;
  let firstMetaFile = "";
  const pairs: PairFiles[] = unw.map((f) => {
    const d = datesFromName(f);
    if (!d) throw new SbasInputError(f, "has no reference/secondary dates in its name");
    const stem = basename(f).replace(/_unw_phase\.tif$/i, "");
    const metaFile = join(dirname(f), `${stem}.txt`);
    if (!existsSync(metaFile)) throw new SbasInputError(f, `has no metadata file ${basename(metaFile)} beside it`);
    const meta = parseHyp3Metadata(readFileSync(metaFile, "utf8"), metaFile);
    if (!firstMeta) {
      firstMeta = meta;
      firstMetaFile = metaFile;
    }
    const corr = join(dirname(f), `${stem}_corr.tif`);
    return {
      date1: d[0],
      date2: d[1],
      phaseFile: f,
      coherenceFile: existsSync(corr) ? corr : undefined,
      bperp: metaNumber(meta, "Baseline", metaFile),
    };
  });
  const find = (suffix: RegExp): string | undefined => files.find((f) => suffix.test(f));
  const meta = firstMeta!;
  const wavelength = SPEED_OF_LIGHT / SENTINEL1_FREQUENCY;
  const heading = metaNumber(meta, "Heading", firstMetaFile);
  const attrs: Record<string, string | number> = {
    PROCESSOR: "hyp3",
    INSAR_PROCESSOR: "gamma",
    PLATFORM: "Sen",
    ALOOKS: metaNumber(meta, "Azimuth looks", firstMetaFile),
    RLOOKS: metaNumber(meta, "Range looks", firstMetaFile),
    WAVELENGTH: wavelength,
    HEADING: heading,
    ORBIT_DIRECTION: Math.abs(heading) < 90 ? "ASCENDING" : "DESCENDING",
    HEIGHT: metaNumber(meta, "Spacecraft height", firstMetaFile),
    EARTH_RADIUS: metaNumber(meta, "Earth radius at nadir", firstMetaFile),
    STARTING_RANGE: metaNumber(meta, "Slant range near", firstMetaFile),
    CENTER_LINE_UTC: metaNumber(meta, "UTC time", firstMetaFile),
  };
  const stack = await assembleStack(
    pairs,
    { height: find(/_dem\.tif$/i), lvTheta: find(/_lv_theta\.tif$/i), waterMask: find(/_water_mask\.tif$/i) },
    { source: root, wavelength, attrs, phaseZeroIsNoData: true, quiet: opts.quiet },
  );
  if (stack.geometry.incidenceAngle)
    stack.geometry.slantRangeDistance = slantRangeFromIncidence(
      stack.geometry.incidenceAngle,
      Number(attrs.EARTH_RADIUS),
      Number(attrs.HEIGHT),
    );
  const { geometryRaw: _g, ...rest } = stack;
  return rest;
}
