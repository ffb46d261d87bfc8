/**
 * SLC stacks in HDF5, for stacks prepared with h5py or exported from other processors:
 *   slc        float32 [dates, lines, samples, 2]   (re, im), i.e. numpy `np.stack([z.real, z.imag], -1)`
 *   date       string  [dates]                      YYYYMMDD
 *   bperp      float   [dates]                      m, relative to the first date
 *   latitude, longitude  float [lines, samples]     WGS-84 degrees
 *   root attributes WAVELENGTH (m), SLANT_RANGE (m), INCIDENCE_ANGLE (°) — Sentinel-1 defaults if absent.
 * The whole stack is read into memory (h5wasm reads are asynchronous, the row-block interface is not):
 * use the ISCE2 layout for stacks larger than memory.
 */
import { readH5, writeH5, type H5Dataset } from "../io/hdf5";
import { isDate, isoDate } from "../core/dates";
import { FileError } from "../core/errors";
import { memoryStack, SENTINEL1_GEOMETRY, validateMeta, type StackMeta, type StackSource } from "./stack-source";

export async function openH5Stack(file: string): Promise<StackSource> {
  let h5: Awaited<ReturnType<typeof readH5>>;
  try {
    h5 = await readH5(file, ["slc", "date", "bperp", "latitude", "longitude"]);
  } catch (e) {
    throw new FileError(file, `not a PS stack HDF5 (needs slc, date, bperp, latitude, longitude): ${(e as Error).message}`);
  }
  const { slc, date, bperp, latitude, longitude } = h5.datasets;
  if (slc.shape.length !== 4 || slc.shape[3] !== 2 || !(slc.data instanceof Float32Array)) {
    throw new FileError(file, `slc must be float32 [dates, lines, samples, 2], found ${slc.shape.join("×")}`);
  }
  const [K, H, W] = slc.shape;
  const dates = (Array.isArray(date.data) ? date.data : Array.from(date.data, String)).map((d) => {
    const c = String(d).trim();
    if (!/^\d{8}$/.test(c) || !isDate(c)) throw new FileError(file, `date "${c}" is not YYYYMMDD`);
    return isoDate(c);
  });
  if (dates.length !== K) throw new FileError(file, `${dates.length} dates for ${K} SLCs`);
  const num = (name: string, dflt: number): number => {
    const v = h5.attrs[name];
    return typeof v === "number" ? v : Array.isArray(v) && typeof v[0] === "number" ? v[0] : dflt;
  };
  const meta: StackMeta = {
    source: file,
    dates,
    width: W,
    height: H,
    bperp: Float64Array.from(bperp.data as ArrayLike<number>),
    wavelength: num("WAVELENGTH", SENTINEL1_GEOMETRY.wavelength),
    slantRange: num("SLANT_RANGE", SENTINEL1_GEOMETRY.slantRange),
    incidenceDeg: num("INCIDENCE_ANGLE", SENTINEL1_GEOMETRY.incidenceDeg),
    lat: Float64Array.from(latitude.data as ArrayLike<number>),
    lon: Float64Array.from(longitude.data as ArrayLike<number>),
  };
  validateMeta(meta, file);
  const all = slc.data;
  const per = H * W * 2;
  const slcs = Array.from({ length: K }, (_, k) => all.subarray(k * per, (k + 1) * per));
  const src = memoryStack(meta, slcs);
  return { ...src, meta: { ...meta, source: file } };
}

export async function writeH5Stack(file: string, meta: StackMeta, slc: Float32Array[]): Promise<void> {
  validateMeta(meta, file);
  const per = meta.width * meta.height * 2;
  const all = new Float32Array(per * slc.length);
  slc.forEach((s, k) => all.set(s, k * per));
  const ds: H5Dataset[] = [
    { name: "slc", shape: [slc.length, meta.height, meta.width, 2], data: all },
    { name: "date", shape: [meta.dates.length], data: meta.dates.map((d) => d.replace(/-/g, "")) },
    { name: "bperp", shape: [meta.dates.length], data: Float32Array.from(meta.bperp) },
    { name: "latitude", shape: [meta.height, meta.width], data: meta.lat },
    { name: "longitude", shape: [meta.height, meta.width], data: meta.lon },
  ];
  await writeH5(file, ds, { WAVELENGTH: meta.wavelength, SLANT_RANGE: meta.slantRange, INCIDENCE_ANGLE: meta.incidenceDeg, FILE_TYPE: "slc" });
}
