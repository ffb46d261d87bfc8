/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly), reading and writing files that h5py and MintPy
 * read. Whole datasets are read or written at once: the datasets of these studies (patches, stacks of a
 * few hundred MB at most) fit in memory, and callers that need blocks use `readH5Slice`.
 */
import { existsSync, renameSync, rmSync, mkdirSync } from "node:fs";
import { FileError } from "../core/errors";
import { dirname } from "node:path";
import { importEsm } from "../core/esm";
import type { TypedArray } from "./raster";

type H5 = typeof import("h5wasm");
type H5Dataset_ = InstanceType<H5["Dataset"]>;
type H5Group = InstanceType<H5["Group"]>;

export type H5AttrValue = string | number | number[];

export interface H5Dataset {
  /** Path inside the file; `/` separates groups (e.g. `timeseries` or `geometry/height`). */
  name: string;
  shape: number[];
  data: TypedArray | string[];
  attrs?: Record<string, H5AttrValue>;
}

/** An HDF5 file or dataset is unreadable or wrong (a FileError, kept as its own type for `instanceof`). */
export class H5Error extends FileError {}

let loaded: Promise<H5> | undefined;

export async function h5wasm(): Promise<H5> {
  loaded ??= (async () => {
    const mod = await importEsm<H5>("h5wasm/node");
    await mod.ready;
    return mod;
  })();
  return loaded;
}

function attrsOf(obj: { attrs: Record<string, { value: unknown }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(obj.attrs)) {
    const v = a.value;
    out[k] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v;
  }
  return out;
}

function openFile(mod: H5, file: string, mode: "r" | "w"): InstanceType<H5["File"]> {
  if (mode === "r" && !existsSync(file)) throw new H5Error(file, "no such file");
  let f: InstanceType<H5["File"]>;
  try {
    f = new mod.File(file, mode);
  } catch (e) {
    throw new H5Error(file, `cannot open as HDF5 (${(e as Error).message})`);
  }
  // h5wasm reports a failed open through file_id < 0 rather than an exception.
  if ((f as unknown as { file_id: bigint }).file_id < 0n) throw new H5Error(file, "not an HDF5 file or corrupt");
  return f;
}

function datasetValue(file: string, name: string, ds: H5Dataset_): H5Dataset {
  const shape = ds.shape ?? [];
  const v = ds.value;
  let data: TypedArray | string[];
  if (ArrayBuffer.isView(v)) {
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
      data = Float64Array.from(v as unknown as ArrayLike<bigint>, (x) => Number(x));
    } else {
      data = v as TypedArray;
    }
  } else if (Array.isArray(v)) {
    data = (v as unknown[]).map((x) => String(x));
  } else if (typeof v === "number") {
    data = Float64Array.of(v);
  } else if (typeof v === "string") {
    data = [v];
  } else {
    throw new H5Error(file, `dataset ${name} has a type this reader does not handle (${JSON.stringify(ds.dtype)})`);
  }
  return { name, shape, data, attrs: attrsOf(ds as unknown as { attrs: Record<string, { value: unknown }> }) as Record<string, H5AttrValue> };
}

/** Lists dataset paths of a file, recursively. */
export async function listH5(file: string): Promise<string[]> {
  const mod = await h5wasm();
  const f = openFile(mod, file, "r");
  try {
    const out: string[] = [];
    const walk = (g: H5Group, prefix: string): void => {
      for (const k of g.keys()) {
        const e = g.get(k);
        const path = prefix ? `${prefix}/${k}` : k;
        if (e instanceof mod.Dataset) out.push(path);
        else if (e instanceof mod.Group) walk(e, path);
      }
    };
    walk(f, "");
    return out;
  } finally {
    f.close();
  }
}

/** Reads the named datasets (default: every dataset) and the root attributes. */
export async function readH5(
  file: string,
  names?: string[],
): Promise<{ attrs: Record<string, unknown>; datasets: Record<string, H5Dataset> }> {
  const all = names ?? (await listH5(file));
  const mod = await h5wasm();
  const f = openFile(mod, file, "r");
  try {
    const datasets: Record<string, H5Dataset> = {};
    for (const name of all) {
      const e = f.get(name);
      if (!(e instanceof mod.Dataset)) {
        throw new H5Error(file, `has no dataset "${name}" (found: ${f.keys().join(", ") || "nothing"})`);
      }
      datasets[name] = datasetValue(file, name, e);
    }
    return { attrs: attrsOf(f as unknown as { attrs: Record<string, { value: unknown }> }), datasets };
  } finally {
    f.close();
  }
}

/**
 * Reads part of one dataset: `ranges` gives [start, stop) per leading dimension (the rest whole), as
 * MintPy reads row blocks of a stack.
 */
export async function readH5Slice(file: string, name: string, ranges: [number, number][]): Promise<H5Dataset> {
  const mod = await h5wasm();
  const f = openFile(mod, file, "r");
  try {
    const e = f.get(name);
    if (!(e instanceof mod.Dataset)) throw new H5Error(file, `has no dataset "${name}"`);
    const shape = e.shape ?? [];
    const sel = shape.map((n, i) => (i < ranges.length ? ranges[i] : [0, n])) as [number, number][];
    sel.forEach(([a, b], i) => {
      if (a < 0 || b > shape[i] || a >= b) throw new H5Error(file, `slice [${a}, ${b}) out of range for ${name} dimension ${i} (size ${shape[i]})`);
    });
    const v = e.slice(sel);
    return { name, shape: sel.map(([a, b]) => b - a), data: v as TypedArray };
  } finally {
    f.close();
  }
}

function setAttrs(target: { create_attribute(n: string, v: string | number | number[]): void }, attrs: Record<string, H5AttrValue>): void {
  for (const [k, v] of Object.entries(attrs)) target.create_attribute(k, v);
}

/** h5wasm names types with Python struct codes; numpy-style codes such as `|u1` are not understood. */
function dtypeOf(data: TypedArray | string[]): string | null {
  if (Array.isArray(data)) return null;
  if (data instanceof Float32Array) return "<f";
  if (data instanceof Float64Array) return "<d";
  if (data instanceof Int8Array) return "<b";
  if (data instanceof Uint8Array) return "<B";
  if (data instanceof Int16Array) return "<h";
  if (data instanceof Uint16Array) return "<H";
  if (data instanceof Int32Array) return "<i";
  return "<I";
}

/**
 * Writes a new HDF5 file with the given datasets and root attributes, into a temporary file renamed
 * into place, so an interrupted write never leaves a truncated file under the final name.
 */
export async function writeH5(file: string, datasets: H5Dataset[], attrs: Record<string, H5AttrValue> = {}): Promise<void> {
  for (const d of datasets) {
    const n = d.shape.reduce((a, b) => a * b, 1);
    if (n !== d.data.length) {
      throw new H5Error(file, `dataset ${d.name}: shape [${d.shape.join(", ")}] holds ${n} values, data has ${d.data.length}`);
    }
  }
  const mod = await h5wasm();
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const f = openFile(mod, tmp, "w");
  try {
    setAttrs(f, attrs);
    for (const d of datasets) {
      const parts = d.name.split("/").filter(Boolean);
      let g: H5Group = f;
      for (const p of parts.slice(0, -1)) {
        const existing = g.get(p);
        g = existing instanceof mod.Group ? existing : g.create_group(p);
      }
      const ds = g.create_dataset({
        name: parts[parts.length - 1],
        data: d.data as Parameters<H5Group["create_dataset"]>[0]["data"],
        shape: d.shape,
        dtype: dtypeOf(d.data),
      });
      if (d.attrs) setAttrs(ds, d.attrs);
    }
  } catch (e) {
    f.close();
    rmSync(tmp, { force: true });
    throw e instanceof H5Error ? e : new H5Error(file, `write failed (${(e as Error).message})`);
  }
  f.close();
  renameSync(tmp, file);
}
