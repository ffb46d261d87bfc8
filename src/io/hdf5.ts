/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly), reading and writing files that h5py and MintPy
 * read. `readH5` / `writeH5` move whole datasets and suit small files; every value passes through the
 * WebAssembly heap, which cannot grow past 2 GiB, so whole reads above `WHOLE_READ_LIMIT` are refused
 * with a message pointing at the block reader and chunked writer of hdf5-stream.ts.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync } from "node:fs";
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

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 superblock signature sits at byte 0, 512, 1024, 2048 … (a user block may precede it). */
function hasHdf5Signature(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

export function openFile(mod: H5, file: string, mode: "r" | "w"): InstanceType<H5["File"]> {
  if (mode === "r" && !existsSync(file)) throw new H5Error(file, "no such file");
  // Checked here so a wrong file gives one clear error instead of HDF5-DIAG traces on stderr.
  if (mode === "r" && !hasHdf5Signature(file)) throw new H5Error(file, "not an HDF5 file (no HDF5 signature)");
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

function convertValue(file: string, name: string, v: unknown, dtype: unknown): TypedArray | string[] {
  if (ArrayBuffer.isView(v)) {
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v as unknown as ArrayLike<bigint>, (x) => Number(x));
    return v as TypedArray;
  }
  if (Array.isArray(v)) return (v as unknown[]).map((x) => String(x));
  if (typeof v === "number") return Float64Array.of(v);
  if (typeof v === "string") return [v];
  throw new H5Error(file, `dataset ${name} has a type this reader does not handle (${JSON.stringify(dtype)})`);
}

function datasetValue(file: string, name: string, ds: H5Dataset_): H5Dataset {
  const data = convertValue(file, name, ds.value, ds.dtype);
  return { name, shape: ds.shape ?? [], data, attrs: attrsOf(ds as unknown as { attrs: Record<string, { value: unknown }> }) as Record<string, H5AttrValue> };
}

/**
 * Largest dataset `readH5` reads whole. The heap must hold the values once more while they are copied
 * out, and h5wasm's heap stops at 2 GiB ("Requested allocation of 2384000000 bytes exceeds maximum
 * memory" at 2000² × 149 float32), so bigger datasets go through `iterateH5Blocks`.
 */
export const WHOLE_READ_LIMIT = 1536 * 1024 * 1024;

/** Bytes a whole read of `ds` would move through the heap. */
export function datasetBytes(ds: H5Dataset_): number {
  const shape = ds.shape ?? [];
  const size = (ds.metadata as { size?: number }).size ?? 1;
  return shape.reduce((a, b) => a * b, 1) * size;
}

function checkBudget(file: string, name: string, ds: H5Dataset_, maxBytes: number): void {
  const bytes = datasetBytes(ds);
  if (bytes > maxBytes)
    throw new H5Error(
      file,
      `dataset ${name} [${(ds.shape ?? []).join(", ")}] is ${(bytes / 2 ** 20).toFixed(0)} MiB, above the ${(maxBytes / 2 ** 20).toFixed(0)} MiB whole-read limit; read it in blocks (iterateH5Blocks / readH5Block)`,
    );
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
  opts: { maxBytes?: number } = {},
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
      checkBudget(file, name, e, opts.maxBytes ?? WHOLE_READ_LIMIT);
      datasets[name] = datasetValue(file, name, e);
    }
    return { attrs: attrsOf(f as unknown as { attrs: Record<string, { value: unknown }> }), datasets };
  } finally {
    f.close();
  }
}

export interface H5DatasetInfo {
  shape: number[];
  /** Bytes per value. */
  itemBytes: number;
  /** Chunk shape when the dataset is chunked. */
  chunks?: number[];
  attrs: Record<string, unknown>;
}

/**
 * One open file for many partial reads (a stack read block by block). Existence is checked before any
 * dataset is opened, so a missing name gives one clear H5Error instead of HDF5-DIAG traces on stderr.
 */
export class H5Reader {
  private constructor(
    readonly file: string,
    private readonly mod: H5,
    private readonly f: InstanceType<H5["File"]>,
  ) {}

  static async open(file: string): Promise<H5Reader> {
    const mod = await h5wasm();
    return new H5Reader(file, mod, openFile(mod, file, "r"));
  }

  /** True when `name` (a/b/c) is a dataset; each group on the path is checked before it is entered. */
  has(name: string): boolean {
    let g: H5Group = this.f;
    const parts = name.split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      if (!g.keys().includes(parts[i])) return false;
      const e = g.get(parts[i]);
      if (i === parts.length - 1) return e instanceof this.mod.Dataset;
      if (!(e instanceof this.mod.Group)) return false;
      g = e;
    }
    return false;
  }

  private dataset(name: string): H5Dataset_ {
    if (!this.has(name)) throw new H5Error(this.file, `has no dataset "${name}"`);
    return this.f.get(name) as H5Dataset_;
  }

  attrs(): Record<string, unknown> {
    return attrsOf(this.f as unknown as { attrs: Record<string, { value: unknown }> });
  }

  info(name: string): H5DatasetInfo {
    const ds = this.dataset(name);
    const meta = ds.metadata as { size?: number; chunks?: number[] | null };
    return {
      shape: ds.shape ?? [],
      itemBytes: meta.size ?? 1,
      chunks: meta.chunks ?? undefined,
      attrs: attrsOf(ds as unknown as { attrs: Record<string, { value: unknown }> }),
    };
  }

  /** The whole dataset, refused above `maxBytes` (default WHOLE_READ_LIMIT). */
  read(name: string, maxBytes = WHOLE_READ_LIMIT): H5Dataset {
    const ds = this.dataset(name);
    checkBudget(this.file, name, ds, maxBytes);
    return datasetValue(this.file, name, ds);
  }

  /** The hyperslab starting at `start` with `count` values per dimension (trailing dimensions whole). */
  block(name: string, start: number[], count: number[]): H5Dataset {
    const ds = this.dataset(name);
    const shape = ds.shape ?? [];
    const sel = shape.map((n, i): [number, number] => (i < start.length ? [start[i], start[i] + (count[i] ?? n - start[i])] : [0, n]));
    sel.forEach(([a, b], i) => {
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > shape[i] || a >= b)
        throw new H5Error(this.file, `block [${a}, ${b}) out of range for ${name} dimension ${i} (size ${shape[i]})`);
    });
    return { name, shape: sel.map(([a, b]) => b - a), data: convertValue(this.file, name, ds.slice(sel), ds.dtype) };
  }

  close(): void {
    this.f.close();
  }
}

/** Opens `file`, runs `fn` with a reader and closes the file whatever happens. */
export async function withH5Reader<T>(file: string, fn: (r: H5Reader) => T | Promise<T>): Promise<T> {
  const r = await H5Reader.open(file);
  try {
    return await fn(r);
  } finally {
    r.close();
  }
}

/**
 * Reads part of one dataset: `ranges` gives [start, stop) per leading dimension (the rest whole), as
 * MintPy reads row blocks of a stack.
 */
export async function readH5Slice(file: string, name: string, ranges: [number, number][]): Promise<H5Dataset> {
  return withH5Reader(file, (r) => r.block(name, ranges.map(([a]) => a), ranges.map(([a, b]) => b - a)));
}

/** Reads the hyperslab `start` + `count` (per leading dimension) of one dataset. */
export async function readH5Block(file: string, name: string, start: number[], count: number[]): Promise<H5Dataset> {
  return withH5Reader(file, (r) => r.block(name, start, count));
}

function setAttrs(target: { create_attribute(n: string, v: string | number | number[]): void }, attrs: Record<string, H5AttrValue>): void {
  for (const [k, v] of Object.entries(attrs)) target.create_attribute(k, v);
}

/** h5wasm names types with Python struct codes; numpy-style codes such as `|u1` are not understood. */
export function dtypeOf(data: TypedArray | string[]): string | null {
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
