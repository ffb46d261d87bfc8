/**
 * Native GAMMA products (what GAMMA writes, before any GeoTIFF export), read as MintPy prep_gamma reads
 * them: per pair `<d1>_<d2>…unw` (big-endian float32, radians, 0 = no data), coherence `…cc` / `…cor`
 * (big-endian float32), an interferogram offset header `…off` (interferogram_width,
 * interferogram_azimuth_lines) and the base_perp listing `…base_perp` / `…bperp` / `…_bperp.par`; one
 * multilooked `*mli.par` gives the width when no `.off` does, the radar frequency and the orbit geometry.
 * Pair dates come from the names (YYYYMMDD_YYYYMMDD or YYYYMMDD-YYYYMMDD).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { FileError } from "../../core/errors";
import { listFiles, parNumber, parseBasePerp, parseGammaPar, SPEED_OF_LIGHT } from "../gamma";
import type { IfgramStack } from "../types";
import { buildStack, datePairFromName, incidenceFromRange, type PairData } from "./build";
import { checkLayoutSize, readRawBand, rowsFromSize, type RawLayout } from "./raw";

const UNW = /\.unw$/i;
const COH = /\.(cc|cor|coh)$/i;
const OFF = /\.off$/i;
const BASE = /(\.base_perp|\.bperp|_bperp\.par)$/i;
const MLI = /mli\.par$/i;

function tagOf(f: string): string | undefined {
  const d = datePairFromName(f);
  return d ? `${d[0]}_${d[1]}` : undefined;
}

export function looksLikeGammaNative(root: string): boolean {
  const files = listFiles(root);
  return files.some((f) => UNW.test(f) && tagOf(f)) && files.some((f) => MLI.test(f) || OFF.test(f));
}

/** Per-pair files grouped by date tag; a tag with other products but no .unw is reported, not dropped. */
function groupPairs(files: string[]): Map<string, Partial<Record<"unw" | "coh" | "off" | "base", string>>> {
  const out = new Map<string, Partial<Record<"unw" | "coh" | "off" | "base", string>>>();
  for (const f of files) {
    const kind = UNW.test(f) ? "unw" : COH.test(f) ? "coh" : OFF.test(f) ? "off" : BASE.test(f) ? "base" : undefined;
    const tag = kind && tagOf(f);
    if (!kind || !tag) continue;
    const g = out.get(tag) ?? {};
    if (g[kind]) throw new FileError(f, `is a second ${kind} file for pair ${tag} (first: ${basename(g[kind]!)}); keep one per pair`);
    g[kind] = f;
    out.set(tag, g);
  }
  return out;
}

export interface GammaNativeOptions {
  /** Pairs whose .unw is missing are dropped with a note instead of refused (unwrapping failed for them). */
  dropPairsWithoutUnw?: boolean;
  onNote?: (msg: string) => void;
}

export async function readGammaNativeStack(root: string, opts: GammaNativeOptions = {}): Promise<IfgramStack> {
  if (!existsSync(root)) throw new FileError(root, "does not exist");
  const files = listFiles(root);
  const mli = files.filter((f) => MLI.test(f)).sort();
  if (!mli.length) throw new FileError(root, "contains no GAMMA *mli.par header (needed for the radar frequency and geometry)");
  const par = parseGammaPar(readFileSync(mli[0], "utf8"));
  const wavelength = SPEED_OF_LIGHT / parNumber(par, "radar_frequency", mli[0]);
  const groups = groupPairs(files);
  const pairs: PairData[] = [];
  let layout: RawLayout | undefined;
  for (const [tag, g] of [...groups].sort()) {
    if (!g.unw) {
      const expected = `${tag}.unw`;
      if (opts.dropPairsWithoutUnw) {
        opts.onNote?.(`pair ${tag}: no unwrapped file (${expected}) beside ${basename(g.coh ?? g.off ?? g.base ?? "")}; dropped`);
        continue;
      }
      throw new FileError(root, `pair ${tag} has ${Object.keys(g).join(", ")} files but no unwrapped phase ${expected}`);
    }
    let width = parNumber(par, "range_samples", mli[0]);
    let lines: number | undefined = parNumber(par, "azimuth_lines", mli[0]);
    if (g.off) {
      const off = parseGammaPar(readFileSync(g.off, "utf8"));
      width = parNumber(off, "interferogram_width", g.off);
      lines = off.interferogram_azimuth_lines !== undefined ? parNumber(off, "interferogram_azimuth_lines", g.off) : undefined;
    }
    const height = lines ?? rowsFromSize(g.unw, width, 1, "float32");
    const l: RawLayout = { width, height, bands: 1, interleave: "BSQ", sample: "float32", littleEndian: false };
    if (layout && (layout.width !== width || layout.height !== height))
      throw new FileError(g.unw, `is ${width}×${height} but the first pair is ${layout.width}×${layout.height}`);
    layout = l;
    if (!g.coh) throw new FileError(g.unw, `has no coherence file (${tag}.cc or .cor) beside it`);
    if (!g.base) throw new FileError(g.unw, `has no baseline listing (${tag}.base_perp, .bperp or _bperp.par) beside it`);
    checkLayoutSize(g.unw, l);
    checkLayoutSize(g.coh, l);
    const [d1, d2] = tag.split("_");
    pairs.push({
      date1: d1,
      date2: d2,
      file: g.unw,
      phase: readRawBand(g.unw, l, 1),
      coherence: readRawBand(g.coh, l, 1),
      bperp: parseBasePerp(readFileSync(g.base, "utf8"), g.base),
    });
  }
  if (!layout) throw new FileError(root, "contains no GAMMA <d1>_<d2>.unw interferograms");
  const center = parNumber(par, "center_range_slc", mli[0]);
  const rs = parNumber(par, "sar_to_earth_center", mli[0]);
  const re = parNumber(par, "earth_radius_below_sensor", mli[0]);
  const n = layout.width * layout.height;
  const heading = parNumber(par, "heading", mli[0]);
  return buildStack(pairs, {
    source: root,
    width: layout.width,
    height: layout.height,
    wavelength,
    zeroIsNoData: true,
    attrs: {
      PROCESSOR: "gamma",
      INSAR_PROCESSOR: "gamma",
      PLATFORM: (par.sensor ?? "").split(/\s+/)[0] || "unknown",
      ALOOKS: parNumber(par, "azimuth_looks", mli[0]),
      RLOOKS: parNumber(par, "range_looks", mli[0]),
      WAVELENGTH: wavelength,
      HEADING: heading,
      ORBIT_DIRECTION: Math.abs(heading) < 90 ? "ASCENDING" : "DESCENDING",
      STARTING_RANGE: parNumber(par, "near_range_slc", mli[0]),
      RANGE_PIXEL_SIZE: parNumber(par, "range_pixel_spacing", mli[0]),
      EARTH_RADIUS: re,
      HEIGHT: rs - re,
      BPERP_SOURCE: "GAMMA base_perp (mean of first/last rows)",
      INCIDENCE_SOURCE: "constant at the scene-centre range (no lookup table read)",
    },
    geometry: {
      incidenceAngle: new Float32Array(n).fill(incidenceFromRange(center, rs, re)),
      slantRangeDistance: new Float32Array(n).fill(center),
    },
  });
}
