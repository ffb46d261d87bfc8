/**
 * ARIA standard products (S1 GUNW, NetCDF4 = HDF5), one file per pair, as MintPy prep_aria reads them
 * after ariaTSsetup.py put them on a common grid: `/science/grids/data/unwrappedPhase` and `coherence`
 * ([lat, lon], radians / 0..1, 0 = no data), `latitude` / `longitude` (pixel centres), the perpendicular
 * baseline cube `/science/grids/imagingGeometry/perpendicularBaseline` (mean taken) and
 * `/science/radarMetaData/wavelength`. The file name carries the dates secondary first
 * (`…-tops-<secondary>_<reference>-…`); the pair is stored reference → secondary.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { FileError } from "../../core/errors";
import { H5Reader } from "../../io/hdf5";
import { listFiles } from "../gamma";
import type { IfgramStack } from "../types";
import { buildStack, datePairFromName, requireWavelength, type PairData } from "./build";

export const ARIA = {
  unw: "science/grids/data/unwrappedPhase",
  coh: "science/grids/data/coherence",
  lat: "science/grids/data/latitude",
  lon: "science/grids/data/longitude",
  bperp: "science/grids/imagingGeometry/perpendicularBaseline",
  wavelength: "science/radarMetaData/wavelength",
} as const;

export function looksLikeAria(root: string): boolean {
  return listFiles(root, 1).some((f) => /GUNW.*\.nc$/i.test(f));
}

function numbers(r: H5Reader, name: string): Float32Array {
  if (!r.has(name)) throw new FileError(r.file, `has no dataset /${name}`);
  const d = r.read(name).data;
  if (Array.isArray(d)) throw new FileError(r.file, `dataset /${name} is text, expected numbers`);
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

interface Grid {
  height: number;
  width: number;
  lat: Float32Array;
  lon: Float32Array;
  file: string;
}

export async function readAriaStack(root: string): Promise<IfgramStack> {
  if (!existsSync(root)) throw new FileError(root, "does not exist");
  const files = listFiles(root, 1).filter((f) => /\.nc$/i.test(f));
  if (!files.length) throw new FileError(root, "contains no ARIA GUNW *.nc products");
  const pairs: PairData[] = [];
  let grid: Grid | undefined;
  let wavelength = NaN;
  for (const file of files) {
    const d = datePairFromName(file);
    if (!d) throw new FileError(file, "has no <secondary>_<reference> YYYYMMDD pair in its name");
    const r = await H5Reader.open(file);
    try {
      for (const n of [ARIA.unw, ARIA.coh, ARIA.lat, ARIA.lon, ARIA.bperp, ARIA.wavelength])
        if (!r.has(n)) throw new FileError(file, `has no dataset /${n} (not an ARIA GUNW product, or a truncated one)`);
      const shape = r.info(ARIA.unw).shape;
      if (shape.length !== 2) throw new FileError(file, `/${ARIA.unw} has shape [${shape}], expected [lat, lon]`);
      const cshape = r.info(ARIA.coh).shape;
      if (cshape.join() !== shape.join()) {
        const transposed = cshape.length === 2 && cshape[0] === shape[1] && cshape[1] === shape[0];
        throw new FileError(file, `/${ARIA.coh} is [${cshape}] but /${ARIA.unw} is [${shape}]${transposed ? " (transposed: lon, lat order)" : ""}`);
      }
      const lat = numbers(r, ARIA.lat);
      const lon = numbers(r, ARIA.lon);
      if (lat.length !== shape[0] || lon.length !== shape[1])
        throw new FileError(file, `latitude (${lat.length}) / longitude (${lon.length}) do not match /${ARIA.unw} [${shape}]`);
      if (!grid) grid = { height: shape[0], width: shape[1], lat, lon, file };
      else if (shape[0] !== grid.height || shape[1] !== grid.width || Math.abs(lat[0] - grid.lat[0]) > 1e-6 || Math.abs(lon[0] - grid.lon[0]) > 1e-6)
        throw new FileError(file, `is on a different grid from ${basename(grid.file)}; crop all products to one grid first (ariaTSsetup.py)`);
      const bp = numbers(r, ARIA.bperp).filter((v) => Number.isFinite(v));
      if (!bp.length) throw new FileError(file, `/${ARIA.bperp} holds no finite value`);
      const wlData = r.read(ARIA.wavelength).data;
      const wl = Array.isArray(wlData) ? NaN : Number(wlData[0]);
      requireWavelength(wl, file, `/${ARIA.wavelength}`);
      if (Number.isFinite(wavelength) && Math.abs(wl - wavelength) > 1e-6) throw new FileError(file, `wavelength ${wl} differs from the other products' ${wavelength}`);
      wavelength = wl;
      const [ref, sec] = d[0] < d[1] ? d : [d[1], d[0]];
      pairs.push({
        date1: ref,
        date2: sec,
        file,
        phase: numbers(r, ARIA.unw).slice(),
        coherence: numbers(r, ARIA.coh).slice(),
        bperp: bp.reduce((a, b) => a + b, 0) / bp.length,
      });
    } finally {
      r.close();
    }
  }
  const g = grid!;
  const dx = g.width > 1 ? g.lon[1] - g.lon[0] : NaN;
  const dy = g.height > 1 ? g.lat[1] - g.lat[0] : NaN;
  return buildStack(pairs, {
    source: root,
    width: g.width,
    height: g.height,
    wavelength,
    zeroIsNoData: true,
    attrs: { PROCESSOR: "aria", INSAR_PROCESSOR: "isce", PLATFORM: "Sen", WAVELENGTH: wavelength, BPERP_SOURCE: "GUNW perpendicularBaseline cube mean" },
    transform: Number.isFinite(dx) && Number.isFinite(dy) ? { originX: g.lon[0] - dx / 2, originY: g.lat[0] - dy / 2, pixelWidth: dx, pixelHeight: dy } : undefined,
    epsg: 4326,
  });
}
