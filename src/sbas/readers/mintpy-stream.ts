/**
 * MintPy ifgramStack.h5 read one interferogram at a time (any stack size: only one band passes through
 * h5wasm's 2 GiB heap), with the checks that keep a wrong file from giving a wrong answer: coherence
 * exactly the shape of unwrapPhase (a transposed one is named as such), `date` [m, 2], `bperp` and
 * `dropIfgram` of length m, a WAVELENGTH attribute, geometry datasets the stack's size; and the
 * matching block-wise writer.
 * docs/formats.md lists the required and optional fields.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { FileError } from "../../core/errors";
import { progress } from "../../core/progress";
import { H5Reader, type H5AttrValue } from "../../io/hdf5";
import { H5ChunkedWriter } from "../../io/hdf5-stream";
import { normalizeDate } from "../dates";
import { geoAttrs, transformFromAttrs } from "../mintpy-h5";
import type { IfgramStack, SbasGeometry } from "../types";

function num(attrs: Record<string, unknown>, key: string): number | undefined {
  const v = attrs[key];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || !Number.isFinite(n) ? undefined : n;
}

function f32(d: ArrayLike<number> | string[], file: string, name: string): Float32Array {
  if (Array.isArray(d)) throw new FileError(file, `dataset ${name} is text, expected numbers`);
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

export async function readMintpyStackStreamed(file: string, opts: { quiet?: boolean } = {}): Promise<IfgramStack> {
  if (!existsSync(file)) throw new FileError(file, "does not exist");
  const r = await H5Reader.open(file);
  try {
    const attrs = r.attrs();
    if (attrs.FILE_TYPE !== undefined && attrs.FILE_TYPE !== "ifgramStack")
      throw new FileError(file, `is a MintPy "${String(attrs.FILE_TYPE)}" file, not an ifgramStack`);
    for (const need of ["date", "unwrapPhase"]) if (!r.has(need)) throw new FileError(file, `has no "${need}" dataset (required)`);
    const shape = r.info("unwrapPhase").shape;
    if (shape.length !== 3) throw new FileError(file, `dataset unwrapPhase has shape [${shape}], expected [pairs, rows, cols]`);
    const [m, height, width] = shape;
    const dshape = r.info("date").shape;
    if (dshape.length !== 2 || dshape[0] !== m || dshape[1] !== 2) throw new FileError(file, `dataset date has shape [${dshape}], expected [${m}, 2] (one YYYYMMDD pair per interferogram)`);
    const dateData = r.read("date").data;
    if (!Array.isArray(dateData)) throw new FileError(file, "dataset date holds numbers, expected YYYYMMDD strings");
    const pairsTxt: [string, string][] = [];
    for (let k = 0; k < m; k++) {
      try {
        pairsTxt.push([normalizeDate(dateData[2 * k]), normalizeDate(dateData[2 * k + 1])]);
      } catch (e) {
        throw new FileError(file, `dataset date row ${k}: ${(e as Error).message}`);
      }
      const [a, b] = pairsTxt[k];
      if (a >= b) throw new FileError(file, `dataset date row ${k} (${a}_${b}) is not in increasing date order`);
    }
    if (new Set(pairsTxt.map((p) => p.join("_"))).size !== m) throw new FileError(file, "dataset date lists a pair twice");
    const vector = (name: string): Float32Array | undefined => {
      if (!r.has(name)) return undefined;
      const s = r.info(name).shape;
      if (s.length !== 1 || s[0] !== m) throw new FileError(file, `dataset ${name} has shape [${s}], expected [${m}] (one value per interferogram)`);
      return f32(r.read(name).data, file, name);
    };
    const bperp = vector("bperp");
    if (!bperp) throw new FileError(file, 'has no "bperp" dataset (required: perpendicular baseline per interferogram, m)');
    const drop = vector("dropIfgram");
    const hasCoh = r.has("coherence");
    if (hasCoh) {
      const cs = r.info("coherence").shape;
      if (cs.join() !== shape.join()) {
        const transposed = cs.length === 3 && cs[0] === m && cs[1] === width && cs[2] === height;
        throw new FileError(file, `dataset coherence has shape [${cs}] but unwrapPhase is [${shape}]${transposed ? " (rows and columns transposed)" : ""}`);
      }
    }
    const wavelength = num(attrs, "WAVELENGTH");
    if (!wavelength) throw new FileError(file, "has no WAVELENGTH attribute (required, metres)");
    const unwrapPhase: Float32Array[] = [];
    const coherence: Float32Array[] = [];
    const bar = progress("reading ifgramStack.h5", m, { unit: "ifgrams", quiet: opts.quiet });
    for (let k = 0; k < m; k++) {
      const ph = f32(r.block("unwrapPhase", [k, 0, 0], [1, height, width]).data, file, "unwrapPhase");
      // Values as stored (0 stays 0), as readMintpyStack reads them, so both readers feed the inversion alike.
      unwrapPhase.push(ph);
      coherence.push(hasCoh ? f32(r.block("coherence", [k, 0, 0], [1, height, width]).data, file, "coherence") : new Float32Array(width * height).fill(1));
      bar.tick();
    }
    bar.done();
    const dates = [...new Set(pairsTxt.flat())].sort();
    const di = new Map(dates.map((d, i) => [d, i]));
    const geo = transformFromAttrs(attrs);
    const flat: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(attrs)) if (typeof v === "string" || typeof v === "number") flat[k] = v;
    return {
      source: file,
      width,
      height,
      dates,
      pairs: pairsTxt.map(([a, b]) => [di.get(a)!, di.get(b)!] as [number, number]),
      unwrapPhase,
      coherence,
      bperp: Float64Array.from(bperp),
      keep: pairsTxt.map((_, k) => (drop ? drop[k] !== 0 : true)),
      wavelength,
      geometry: await readGeometry(file, width, height),
      transform: geo.transform,
      epsg: geo.epsg,
      attrs: flat,
    };
  } finally {
    r.close();
  }
}

async function readGeometry(stackFile: string, width: number, height: number): Promise<SbasGeometry> {
  const cand = ["geometryGeo.h5", "geometryRadar.h5"].map((n) => join(dirname(stackFile), n)).find(existsSync);
  if (!cand) return {};
  const r = await H5Reader.open(cand);
  try {
    const get = (name: string): Float32Array | undefined => {
      if (!r.has(name)) return undefined;
      const s = r.info(name).shape;
      if (s.length !== 2 || s[0] !== height || s[1] !== width)
        throw new FileError(cand, `dataset ${name} has shape [${s}], the stack is [${height}, ${width}]${s[0] === width && s[1] === height ? " (transposed)" : ""}`);
      return f32(r.read(name).data, cand, name);
    };
    const g: SbasGeometry = { height: get("height"), incidenceAngle: get("incidenceAngle"), slantRangeDistance: get("slantRangeDistance") };
    const w = get("waterMask");
    if (w) g.waterMask = Uint8Array.from(w, (v) => (v ? 1 : 0));
    for (const k of Object.keys(g) as (keyof SbasGeometry)[]) if (g[k] === undefined) delete g[k];
    return g;
  } finally {
    r.close();
  }
}

/**
 * Writes ifgramStack.h5 one interferogram at a time into chunked datasets ([1, rows, cols] chunks,
 * optionally gzip), with progress: stacks of any size, where writeMintpyStack's whole-dataset write
 * would overflow the 2 GiB heap. Phase and coherence NaN are written as 0 (MintPy's no data);
 * dropIfgram is int8 (1 = keep) because h5wasm cannot write HDF5 booleans.
 */
export async function writeMintpyStackStreamed(
  file: string,
  stack: IfgramStack,
  opts: { gzip?: number; quiet?: boolean; extraAttrs?: Record<string, H5AttrValue> } = {},
): Promise<void> {
  const m = stack.pairs.length;
  const n = stack.width * stack.height;
  const attrs: Record<string, H5AttrValue> = {};
  for (const [k, v] of Object.entries(stack.attrs)) attrs[k] = String(v);
  Object.assign(attrs, geoAttrs(stack), { WAVELENGTH: String(stack.wavelength), FILE_TYPE: "ifgramStack", UNIT: "radian" }, opts.extraAttrs ?? {});
  const w = await H5ChunkedWriter.create(file, attrs, { totalBytes: 2 * m * n * 4, label: `writing ${file}`, quiet: opts.quiet });
  try {
    w.writeWhole({ name: "date", shape: [m, 2], data: stack.pairs.flatMap(([i, j]) => [stack.dates[i], stack.dates[j]]) });
    w.writeWhole({ name: "bperp", shape: [m], data: Float32Array.from(stack.bperp) });
    w.writeWhole({ name: "dropIfgram", shape: [m], data: Int8Array.from(stack.keep, (k) => (k ? 1 : 0)) });
    const shape = [m, stack.height, stack.width];
    w.create({ name: "unwrapPhase", shape, gzip: opts.gzip, attrs: { UNIT: "radian" } });
    w.create({ name: "coherence", shape, gzip: opts.gzip, attrs: { UNIT: "1" } });
    for (let k = 0; k < m; k++) {
      for (const [name, band] of [["unwrapPhase", stack.unwrapPhase[k]], ["coherence", stack.coherence[k]]] as const) {
        const out = Float32Array.from(band, (v) => (v === v ? v : 0));
        w.write(name, [k, 0, 0], [1, stack.height, stack.width], out);
      }
    }
    w.close();
  } catch (e) {
    w.abort();
    throw e instanceof FileError ? e : new FileError(file, `write failed (${(e as Error).message})`);
  }
}
