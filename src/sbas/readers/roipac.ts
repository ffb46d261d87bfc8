/**
 * ROI_PAC interferograms as MintPy prep_roipac reads them: `[geo_]<yymmdd>-<yymmdd>[_<looks>rlks].unw`
 * in RMG format (2 bands interleaved by line, little-endian float32: amplitude row, then phase row), its
 * `.unw.rsc` header (WIDTH, FILE_LENGTH, WAVELENGTH, P_BASELINE_TOP_HDR / P_BASELINE_BOTTOM_HDR, and for
 * geocoded files X_FIRST, Y_FIRST, X_STEP, Y_STEP), and coherence `.cor` (RMG: magnitude, coherence)
 * with its own `.rsc`. Baselines may instead sit in `<stem>_baseline.rsc`; bperp is the mean of the top
 * and bottom values.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FileError } from "../../core/errors";
import { listFiles } from "../gamma";
import type { IfgramStack } from "../types";
import { buildStack, datePairFromName, requireWavelength, type PairData } from "./build";
import { parseRsc, rscNumber } from "./headers";
import { readRawBand, type RawLayout } from "./raw";

const UNW = /\.unw$/i;

export function looksLikeRoipac(root: string): boolean {
  return listFiles(root).some((f) => UNW.test(f) && existsSync(`${f}.rsc`));
}

function rmgLayout(file: string, rsc: Record<string, string>, rscFile: string): RawLayout {
  const width = rscNumber(rsc, "WIDTH", rscFile);
  const height = rscNumber(rsc, "FILE_LENGTH", rscFile);
  return { width, height, bands: 2, interleave: "BIL", sample: "float32", littleEndian: true };
}

function baselineOf(unw: string, rsc: Record<string, string>, rscFile: string): number {
  let src = rsc;
  let srcFile = rscFile;
  if (rsc.P_BASELINE_TOP_HDR === undefined) {
    const stem = basename(unw).replace(/\.unw$/i, "").replace(/^geo_/, "").replace(/_\d+rlks$/, "");
    const alt = join(dirname(unw), `${stem}_baseline.rsc`);
    if (!existsSync(alt)) throw new FileError(rscFile, `has no P_BASELINE_TOP_HDR and there is no ${basename(alt)} beside it`);
    src = parseRsc(readFileSync(alt, "utf8"));
    srcFile = alt;
  }
  return (rscNumber(src, "P_BASELINE_TOP_HDR", srcFile) + rscNumber(src, "P_BASELINE_BOTTOM_HDR", srcFile)) / 2;
}

export async function readRoipacStack(root: string, opts: { dropPairsWithoutUnw?: boolean; onNote?: (m: string) => void } = {}): Promise<IfgramStack> {
  if (!existsSync(root)) throw new FileError(root, "does not exist");
  const files = listFiles(root);
  const cors = files.filter((f) => /\.cor$/i.test(f));
  const unws = files.filter((f) => UNW.test(f));
  for (const c of cors) {
    const u = c.replace(/\.cor$/i, ".unw");
    if (!unws.includes(u)) {
      if (opts.dropPairsWithoutUnw) opts.onNote?.(`${basename(c)}: no ${basename(u)} (not unwrapped); pair dropped`);
      else throw new FileError(u, `missing: ${basename(c)} has no unwrapped interferogram beside it`);
    }
  }
  if (!unws.length) throw new FileError(root, "contains no ROI_PAC *.unw interferograms");
  const pairs: PairData[] = [];
  let first: { layout: RawLayout; rsc: Record<string, string>; file: string } | undefined;
  for (const unw of unws) {
    const rscFile = `${unw}.rsc`;
    if (!existsSync(rscFile)) throw new FileError(unw, `has no ${basename(rscFile)} header beside it`);
    const rsc = parseRsc(readFileSync(rscFile, "utf8"));
    const l = rmgLayout(unw, rsc, rscFile);
    if (first && (l.width !== first.layout.width || l.height !== first.layout.height))
      throw new FileError(unw, `is ${l.width}×${l.height} but ${basename(first.file)} is ${first.layout.width}×${first.layout.height}`);
    first ??= { layout: l, rsc, file: unw };
    const d = rsc.DATE12 ? datePairFromName(rsc.DATE12) : datePairFromName(unw);
    if (!d) throw new FileError(rscFile, "has no DATE12 and the file name has no <yymmdd>-<yymmdd> pair");
    const cor = unw.replace(/\.unw$/i, ".cor");
    if (!existsSync(cor)) throw new FileError(cor, `missing: coherence of ${basename(unw)}`);
    const corRsc = existsSync(`${cor}.rsc`) ? parseRsc(readFileSync(`${cor}.rsc`, "utf8")) : rsc;
    const cl = rmgLayout(cor, corRsc, existsSync(`${cor}.rsc`) ? `${cor}.rsc` : rscFile);
    if (cl.width !== l.width || cl.height !== l.height) throw new FileError(cor, `is ${cl.width}×${cl.height}, its interferogram is ${l.width}×${l.height}`);
    pairs.push({
      date1: d[0],
      date2: d[1],
      file: unw,
      // RMG: band 2 is the phase (band 1 the amplitude) — named here, never inferred.
      phase: readRawBand(unw, l, 2),
      coherence: readRawBand(cor, cl, 2),
      bperp: baselineOf(unw, rsc, rscFile),
    });
  }
  const { layout, rsc, file } = first!;
  const wavelength = requireWavelength(rscNumber(rsc, "WAVELENGTH", `${file}.rsc`), `${file}.rsc`, "WAVELENGTH");
  const geo = ["X_FIRST", "Y_FIRST", "X_STEP", "Y_STEP"].every((k) => rsc[k] !== undefined);
  const attrs: Record<string, string | number> = { PROCESSOR: "roipac", INSAR_PROCESSOR: "roipac", WAVELENGTH: wavelength, BPERP_SOURCE: "rsc P_BASELINE_TOP/BOTTOM_HDR mean" };
  for (const k of ["PLATFORM", "HEADING", "ORBIT_DIRECTION", "RLOOKS", "ALOOKS"]) if (rsc[k] !== undefined) attrs[k] = rsc[k];
  return buildStack(pairs, {
    source: root,
    width: layout.width,
    height: layout.height,
    wavelength,
    zeroIsNoData: true,
    attrs,
    transform: geo
      ? { originX: Number(rsc.X_FIRST), originY: Number(rsc.Y_FIRST), pixelWidth: Number(rsc.X_STEP), pixelHeight: Number(rsc.Y_STEP) }
      : undefined,
    epsg: geo ? 4326 : undefined,
  });
}
