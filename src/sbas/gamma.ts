/**
 * GAMMA products geocoded to GeoTIFF, as in PyRate's test stack (`pyrate-cropA`): per pair
 * `*_<d1>-<d2>_*_unw.tif` (radians, 0 = no data) and `*_cc.tif`, `.par` headers (`*_mli.par`:
 * radar frequency → wavelength, looks, orbit geometry; `*_dem.par`: geocoded grid), per-pair baselines
 * from GAMMA `base_perp` output (`*_bperp.par`; MintPy prep_gamma takes the mean of the first and last
 * row's bperp), the DEM (`*_dem.tif`) and the geocoding lookup table (`*.lt`) from which per-pixel slant
 * range and incidence angle follow.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { assembleStack, datesFromName, type PairFiles } from "./assemble";
import { type IfgramStack, SbasInputError } from "./types";

export const SPEED_OF_LIGHT = 299_792_458;

/** Parses a GAMMA `.par` file into key → value text (units dropped where separable). */
export function parseGammaPar(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_()]+):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

export function parNumber(par: Record<string, string>, key: string, file: string): number {
  const v = par[key];
  const n = v === undefined ? NaN : parseFloat(v.split(/\s+/)[0]);
  if (!Number.isFinite(n)) throw new SbasInputError(file, `has no numeric "${key}"`);
  return n;
}

/** bperp column of a GAMMA base_perp listing: mean of first and last rows (MintPy prep_gamma). */
export function parseBasePerp(text: string, file: string): number {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /bpara\s+bperp\s+blen/.test(l));
  if (start < 0) throw new SbasInputError(file, "is not a GAMMA base_perp listing (no bperp column header)");
  const vals: number[] = [];
  for (let i = start + 2; i < lines.length; i++) {
    const c = lines[i].trim().split(/\s+/);
    if (c.length === 9) vals.push(parseFloat(c[7]));
  }
  if (!vals.length) throw new SbasInputError(file, "lists no baseline rows");
  return (vals[0] + vals[vals.length - 1]) / 2;
}

export function listFiles(root: string, depth = 3): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (d > 0) walk(p, d - 1);
      } else out.push(p);
    }
  };
  walk(root, depth);
  return out;
}

export function looksLikeGamma(root: string): boolean {
  const files = listFiles(root);
  return files.some((f) => /_unw\.tif$/i.test(f)) && files.some((f) => /_mli\.par$/i.test(f));
}

export async function readGammaStack(root: string, opts: { quiet?: boolean } = {}): Promise<IfgramStack> {
  if (!existsSync(root)) throw new SbasInputError(root, "does not exist");
  const files = listFiles(root);
  const unw = files.filter((f) => /_unw\.tif$/i.test(f));
  if (!unw.length) throw new SbasInputError(root, "contains no GAMMA *_unw.tif interferograms");
  const mli = files.filter((f) => /_mli\.par$/i.test(f)).sort();
  if (!mli.length) throw new SbasInputError(root, "contains no GAMMA *_mli.par header (needed for the radar wavelength)");
  const mliPar = parseGammaPar(readFileSync(mli[0], "utf8"));
  const freq = parNumber(mliPar, "radar_frequency", mli[0]);
  const wavelength = SPEED_OF_LIGHT / freq;
  const bperpFiles = files.filter((f) => /_bperp\.par$/i.test(f));
  const pairs: PairFiles[] = unw.map((f) => {
    const d = datesFromName(f);
    if (!d) throw new SbasInputError(f, "has no YYYYMMDD-YYYYMMDD date pair in its name");
    const tag = `${d[0]}-${d[1]}`;
    const coh = files.find((c) => /_(cc|coh|cor)\.tif$/i.test(c) && basename(c).includes(tag));
    const bp = bperpFiles.find((b) => basename(b).includes(tag));
    const bperp = bp ? parseBasePerp(readFileSync(bp, "utf8"), bp) : NaN;
    if (!bp) throw new SbasInputError(f, `has no matching ${tag}*_bperp.par baseline file`);
    return { date1: d[0], date2: d[1], phaseFile: f, coherenceFile: coh, bperp };
  });
  const dem = files.find((f) => /_dem\.tif$/i.test(f));
  const attrs: Record<string, string | number> = {
    PROCESSOR: "gamma",
    INSAR_PROCESSOR: "gamma",
    ALOOKS: parNumber(mliPar, "azimuth_looks", mli[0]),
    RLOOKS: parNumber(mliPar, "range_looks", mli[0]),
    WAVELENGTH: wavelength,
    HEADING: parNumber(mliPar, "heading", mli[0]),
    ORBIT_DIRECTION: Math.abs(parNumber(mliPar, "heading", mli[0])) < 90 ? "ASCENDING" : "DESCENDING",
    PLATFORM: (mliPar.sensor ?? "").split(/\s+/)[0] || "unknown",
    STARTING_RANGE: parNumber(mliPar, "near_range_slc", mli[0]),
    RANGE_PIXEL_SIZE: parNumber(mliPar, "range_pixel_spacing", mli[0]),
    EARTH_RADIUS: parNumber(mliPar, "earth_radius_below_sensor", mli[0]),
    HEIGHT: parNumber(mliPar, "sar_to_earth_center", mli[0]) - parNumber(mliPar, "earth_radius_below_sensor", mli[0]),
    CENTER_LINE_UTC: parNumber(mliPar, "center_time", mli[0]),
    BPERP_SOURCE: "GAMMA base_perp (mean of first/last rows)",
  };
  const stack = await assembleStack(pairs, { height: dem }, {
    source: root,
    wavelength,
    attrs,
    phaseZeroIsNoData: true,
    quiet: opts.quiet,
  });
  const lt = files.find((f) => /\.lt$/i.test(f));
  const geom = lt
    ? geometryFromLookupTable(readFileSync(lt), lt, stack.width, stack.height, mliPar, mli[0])
    : constantGeometry(stack.width * stack.height, mliPar, mli[0]);
  stack.geometry.incidenceAngle = geom.incidenceAngle;
  stack.geometry.slantRangeDistance = geom.slantRangeDistance;
  const { geometryRaw: _g, ...rest } = stack;
  return rest;
}

/** Look angle → incidence on a sphere: sin θ = (R_s / R_e) · sin(look). */
function incidenceFromRange(r: number, rs: number, re: number): number {
  const cosLook = (rs * rs + r * r - re * re) / (2 * rs * r);
  const look = Math.acos(Math.max(-1, Math.min(1, cosLook)));
  return (Math.asin(Math.min(1, (rs / re) * Math.sin(look))) * 180) / Math.PI;
}

/**
 * Per-pixel slant range and incidence from a GAMMA geocoding lookup table (big-endian complex
 * float32: range sample, azimuth line in the multilooked radar geometry of the `_mli.par`).
 */
export function geometryFromLookupTable(
  buf: Buffer,
  file: string,
  width: number,
  height: number,
  mliPar: Record<string, string>,
  mliFile: string,
): { incidenceAngle: Float32Array; slantRangeDistance: Float32Array } {
  const n = width * height;
  if (buf.length !== n * 8)
    throw new SbasInputError(file, `has ${buf.length} bytes; a ${width}×${height} complex float32 lookup table has ${n * 8}`);
  const near = parNumber(mliPar, "near_range_slc", mliFile);
  const dr = parNumber(mliPar, "range_pixel_spacing", mliFile);
  const rs = parNumber(mliPar, "sar_to_earth_center", mliFile);
  const re = parNumber(mliPar, "earth_radius_below_sensor", mliFile);
  const inc = new Float32Array(n);
  const rng = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const col = buf.readFloatBE(p * 8);
    const r = near + col * dr;
    rng[p] = r;
    inc[p] = incidenceFromRange(r, rs, re);
  }
  return { incidenceAngle: inc, slantRangeDistance: rng };
}

function constantGeometry(n: number, mliPar: Record<string, string>, mliFile: string) {
  const center = parNumber(mliPar, "center_range_slc", mliFile);
  const rs = parNumber(mliPar, "sar_to_earth_center", mliFile);
  const re = parNumber(mliPar, "earth_radius_below_sensor", mliFile);
  return {
    incidenceAngle: new Float32Array(n).fill(incidenceFromRange(center, rs, re)),
    slantRangeDistance: new Float32Array(n).fill(center),
  };
}
