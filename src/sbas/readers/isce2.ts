/**
 * ISCE2 topsStack merged products, laid out as stackSentinel.py leaves them and MintPy prep_isce reads
 * them:
 *   merged/interferograms/<d1>_<d2>/filt_fine.unw (+ .xml or .vrt): 2 bands BIL float32 (amplitude,
 *     phase in radians); phase is band 2, read by name from the header, never "the first band";
 *   merged/interferograms/<d1>_<d2>/filt_fine.cor (+ header): coherence, 1 band;
 *   baselines/<ref>_<d>/<ref>_<d>.txt: "Bperp (average): v" per swath (mean over swaths), per date
 *     relative to the stack reference date; pair bperp = B(d2) − B(d1);
 *   merged/geom_reference/hgt.rdr, los.rdr (band 1 = incidence angle), same size as the interferograms.
 * topsStack processes Sentinel-1 only, so the wavelength is Sentinel-1's C band.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FileError } from "../../core/errors";
import { SPEED_OF_LIGHT } from "../gamma";
import { SENTINEL1_FREQUENCY } from "../hyp3";
import type { IfgramStack, SbasGeometry } from "../types";
import { buildStack, datePairFromName, type PairData } from "./build";
import { isceLayout } from "./headers";
import { readRawBand, type RawLayout } from "./raw";

export interface Isce2Options {
  /** File name of the unwrapped phase in each pair folder. */
  unwName?: string;
  corName?: string;
  /** 1-based band holding phase; default: 2 for a 2-band file (ISCE's amplitude, phase), 1 for a 1-band one. */
  unwBand?: number;
  dropPairsWithoutUnw?: boolean;
  onNote?: (msg: string) => void;
}

export function looksLikeIsce2(root: string): boolean {
  return existsSync(join(root, "merged", "interferograms"));
}

/** Perpendicular baseline per date from topsStack's baselines/ folder (reference date = 0). */
export function readTopsBaselines(root: string): Map<string, number> {
  const dir = join(root, "baselines");
  if (!existsSync(dir)) throw new FileError(dir, "does not exist; topsStack writes per-date perpendicular baselines there");
  const out = new Map<string, number>();
  for (const name of readdirSync(dir).sort()) {
    const d = datePairFromName(name);
    if (!d) continue;
    const file = join(dir, name, `${name}.txt`);
    if (!existsSync(file)) throw new FileError(join(dir, name), `has no ${name}.txt baseline file`);
    const vals = [...readFileSync(file, "utf8").matchAll(/Bperp \(average\):\s*(\S+)/g)].map((m) => Number(m[1]));
    if (!vals.length || vals.some((v) => !Number.isFinite(v))) throw new FileError(file, 'has no numeric "Bperp (average):" line');
    out.set(d[0], 0);
    out.set(d[1], vals.reduce((a, b) => a + b, 0) / vals.length);
  }
  if (!out.size) throw new FileError(dir, "holds no <ref>_<date> baseline folders");
  return out;
}

function unwBandOf(file: string, l: RawLayout, wanted?: number): number {
  if (wanted !== undefined) return wanted;
  if (l.bands === 2) return 2;
  if (l.bands === 1) return 1;
  throw new FileError(file, `has ${l.bands} bands; say which holds the phase (unwBand)`);
}

export async function readIsce2Stack(root: string, opts: Isce2Options = {}): Promise<IfgramStack> {
  const ifgDir = join(root, "merged", "interferograms");
  if (!existsSync(ifgDir)) throw new FileError(root, "has no merged/interferograms folder (not an ISCE2 topsStack)");
  const unwName = opts.unwName ?? "filt_fine.unw";
  const corName = opts.corName ?? "filt_fine.cor";
  const base = readTopsBaselines(root);
  const pairs: PairData[] = [];
  let layout: RawLayout | undefined;
  for (const name of readdirSync(ifgDir).sort()) {
    const d = datePairFromName(name);
    if (!d) continue;
    const unw = join(ifgDir, name, unwName);
    if (!existsSync(unw)) {
      if (opts.dropPairsWithoutUnw) {
        opts.onNote?.(`pair ${name}: ${unw} missing (unwrapping not run or failed); dropped`);
        continue;
      }
      throw new FileError(unw, `missing: pair folder ${name} has no unwrapped phase (pass dropPairsWithoutUnw to skip such pairs)`);
    }
    const l = isceLayout(unw);
    if (layout && (l.width !== layout.width || l.height !== layout.height))
      throw new FileError(unw, `is ${l.width}×${l.height} but the first pair is ${layout.width}×${layout.height}`);
    layout = l;
    const cor = join(ifgDir, name, corName);
    if (!existsSync(cor)) throw new FileError(cor, `missing: pair ${name} has no coherence`);
    const cl = isceLayout(cor);
    if (cl.width !== l.width || cl.height !== l.height) throw new FileError(cor, `is ${cl.width}×${cl.height}, its interferogram is ${l.width}×${l.height}`);
    if (cl.bands !== 1) throw new FileError(cor, `has ${cl.bands} bands; coherence should have 1`);
    for (const date of d)
      if (!base.has(date)) throw new FileError(join(root, "baselines"), `has no baseline for ${date} (needed by pair ${name})`);
    pairs.push({
      date1: d[0],
      date2: d[1],
      file: unw,
      phase: readRawBand(unw, l, unwBandOf(unw, l, opts.unwBand)),
      coherence: readRawBand(cor, cl, 1),
      bperp: base.get(d[1])! - base.get(d[0])!,
    });
  }
  if (!layout) throw new FileError(ifgDir, "holds no <d1>_<d2> pair folders with interferograms");
  const geometry: SbasGeometry = {};
  const geomDir = join(root, "merged", "geom_reference");
  const geomBand = (file: string, band: number): Float32Array | undefined => {
    const f = join(geomDir, file);
    if (!existsSync(f)) return undefined;
    const g = isceLayout(f);
    if (g.width !== layout!.width || g.height !== layout!.height)
      throw new FileError(f, `is ${g.width}×${g.height}, the interferograms are ${layout!.width}×${layout!.height} (multilook the geometry to match)`);
    return readRawBand(f, g, band);
  };
  geometry.height = geomBand("hgt.rdr", 1);
  geometry.incidenceAngle = geomBand("los.rdr", 1);
  const wavelength = SPEED_OF_LIGHT / SENTINEL1_FREQUENCY;
  return buildStack(pairs, {
    source: root,
    width: layout.width,
    height: layout.height,
    wavelength,
    zeroIsNoData: true,
    geometry,
    attrs: { PROCESSOR: "isce", INSAR_PROCESSOR: "isce", PLATFORM: "Sen", WAVELENGTH: wavelength, BPERP_SOURCE: "topsStack baselines/ (mean over swaths)" },
  });
}
