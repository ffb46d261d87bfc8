/**
 * HDF5 datasets of any size, block by block: a block iterator over the first axis (or rows of a 3-D
 * stack) that keeps each block under a byte budget, and a chunked writer that creates each dataset at
 * its final shape (chunked, optionally gzip) and fills it block by block. Only one block at a time
 * passes through h5wasm's WebAssembly heap (2 GiB at most), so a 2000² × 149 stack reads and writes
 * like a small one. Both report progress on long work.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { progress } from "../core/progress";
import { dtypeOf, H5Error, h5wasm, H5Reader, openFile, type H5AttrValue, type H5Dataset } from "./hdf5";
import type { TypedArray } from "./raster";

type H5 = typeof import("h5wasm");
type H5File = InstanceType<H5["File"]>;
type H5Group = InstanceType<H5["Group"]>;
type H5Ds = InstanceType<H5["Dataset"]>;

/** Default block budget: small enough for the heap, large enough that per-call overhead vanishes. */
export const DEFAULT_BLOCK_BYTES = 256 * 1024 * 1024;

export interface BlockOptions {
  /** Axis to cut along: 0 = first axis (one interferogram per step), 1 = rows of every band. */
  axis?: 0 | 1;
  /** Upper bound on one block's size in bytes (at least one slice along `axis` is always read). */
  maxBytes?: number;
  /** Progress label; nothing is printed when quiet. */
  label?: string;
  quiet?: boolean;
}

export interface H5Block extends H5Dataset {
  /** First index along the cut axis. */
  start: number;
  /** One past the last index along the cut axis. */
  stop: number;
}

/** Slices along `axis` per block so one block stays under `maxBytes`; a single slice over budget is an error. */
export function blockLength(shape: number[], itemBytes: number, axis: number, maxBytes: number): number {
  const perSlice = shape.reduce((a, b, i) => (i === axis ? a : a * b), 1) * itemBytes;
  const n = Math.floor(maxBytes / Math.max(1, perSlice));
  return Math.max(0, Math.min(shape[axis] ?? 0, n));
}

/**
 * Yields consecutive blocks of `name` along `axis`, each under `maxBytes`. The file stays open while
 * iterating and is closed when the loop ends or breaks.
 */
export async function* iterateH5Blocks(file: string, name: string, opts: BlockOptions = {}): AsyncGenerator<H5Block> {
  const axis = opts.axis ?? 0;
  const maxBytes = opts.maxBytes ?? DEFAULT_BLOCK_BYTES;
  const r = await H5Reader.open(file);
  try {
    const info = r.info(name);
    if (axis >= info.shape.length) throw new H5Error(file, `dataset ${name} has ${info.shape.length} dimensions, cannot cut along axis ${axis}`);
    const step = blockLength(info.shape, info.itemBytes, axis, maxBytes);
    if (step < 1)
      throw new H5Error(file, `one slice of ${name} along axis ${axis} exceeds the ${maxBytes}-byte block budget; cut along another axis`);
    const total = info.shape[axis];
    const bytes = info.shape.reduce((a, b) => a * b, 1) * info.itemBytes;
    const sliceBytes = bytes / total;
    const bar = progress(opts.label ?? `reading ${name}`, bytes, { bytes: true, quiet: opts.quiet });
    for (let s = 0; s < total; s += step) {
      const e = Math.min(total, s + step);
      const start = info.shape.map((_, i) => (i === axis ? s : 0));
      const count = info.shape.map((n, i) => (i === axis ? e - s : n));
      const b = r.block(name, start, count);
      bar.tick((e - s) * sliceBytes);
      yield { ...b, start: s, stop: e };
    }
    bar.done();
  } finally {
    r.close();
  }
}

export interface ChunkedDatasetSpec {
  name: string;
  shape: number[];
  /** h5wasm/struct dtype code ("<f", "<d", "<b", ...), default "<f" (float32). */
  dtype?: string;
  /** Chunk shape; default one slice of the first axis (one interferogram) for 3-D, whole for smaller. */
  chunks?: number[];
  /** gzip level 1–9; omitted = uncompressed. */
  gzip?: number;
  attrs?: Record<string, H5AttrValue>;
}

/**
 * Writes an HDF5 file dataset by dataset and block by block, into a temporary name renamed into place
 * by `close()`; `abort()` (or any failed write) removes it, so no half-written file keeps the final name.
 */
export class H5ChunkedWriter {
  private readonly specs = new Map<string, { ds: H5Ds; spec: ChunkedDatasetSpec }>();
  private written = 0;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    private readonly mod: H5,
    private readonly f: H5File,
    private readonly bar: ReturnType<typeof progress> | undefined,
  ) {}

  /** `totalBytes` (optional) drives the progress bar. */
  static async create(
    file: string,
    attrs: Record<string, H5AttrValue> = {},
    opts: { totalBytes?: number; label?: string; quiet?: boolean } = {},
  ): Promise<H5ChunkedWriter> {
    const mod = await h5wasm();
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    const f = openFile(mod, tmp, "w");
    for (const [k, v] of Object.entries(attrs)) f.create_attribute(k, v);
    const bar = opts.totalBytes ? progress(opts.label ?? `writing ${file}`, opts.totalBytes, { bytes: true, quiet: opts.quiet }) : undefined;
    return new H5ChunkedWriter(file, tmp, mod, f, bar);
  }

  private group(parts: string[]): H5Group {
    let g: H5Group = this.f;
    for (const p of parts) {
      const existing = g.keys().includes(p) ? g.get(p) : null;
      g = existing instanceof this.mod.Group ? existing : g.create_group(p);
    }
    return g;
  }

  private fail(msg: string): never {
    this.abort();
    throw new H5Error(this.file, msg);
  }

  /** Creates a dataset at its final shape; blocks are then written with `write`. */
  create(spec: ChunkedDatasetSpec): void {
    if (this.specs.has(spec.name)) this.fail(`dataset ${spec.name} created twice`);
    if (!spec.shape.length || spec.shape.some((n) => !Number.isInteger(n) || n < 1))
      this.fail(`dataset ${spec.name}: shape [${spec.shape.join(", ")}] must be positive integers`);
    const dtype = spec.dtype ?? "<f";
    const chunks = spec.chunks ?? (spec.shape.length >= 3 ? [1, ...spec.shape.slice(1)] : spec.shape);
    if (chunks.length !== spec.shape.length) this.fail(`dataset ${spec.name}: chunks [${chunks}] do not match shape [${spec.shape}]`);
    const parts = spec.name.split("/").filter(Boolean);
    const g = this.group(parts.slice(0, -1));
    try {
      // h5wasm writes the `data` given at creation; an empty first axis that is then resized to the final
      // shape allocates nothing (chunks are only stored when written).
      const ds = g.create_dataset({
        name: parts[parts.length - 1],
        data: new Float32Array(0) as unknown as Parameters<H5Group["create_dataset"]>[0]["data"],
        shape: [0, ...spec.shape.slice(1)],
        maxshape: spec.shape,
        chunks: chunks.map((c, i) => Math.min(c, spec.shape[i])),
        dtype,
        ...(spec.gzip ? { compression: "gzip" as const, compression_opts: spec.gzip } : {}),
      });
      ds.resize(spec.shape);
      for (const [k, v] of Object.entries(spec.attrs ?? {})) ds.create_attribute(k, v);
      this.specs.set(spec.name, { ds, spec: { ...spec, dtype } });
    } catch (e) {
      this.fail(`cannot create dataset ${spec.name} (${(e as Error).message})`);
    }
  }

  /** Writes `data` (row-major, `count` values per dimension) at `start` of dataset `name`. */
  write(name: string, start: number[], count: number[], data: TypedArray): void {
    const entry = this.specs.get(name);
    if (!entry) this.fail(`dataset ${name} was not created before writing`);
    const { ds, spec } = entry;
    const full = spec.shape.map((n, i) => (i < start.length ? [start[i], start[i] + (count[i] ?? n)] : [0, n]) as [number, number]);
    const n = full.reduce((a, [s, e]) => a * (e - s), 1);
    if (full.some(([s, e], i) => s < 0 || e > spec.shape[i] || s >= e)) this.fail(`block [${full.map((r) => r.join(":")).join(", ")}] is outside ${name} [${spec.shape}]`);
    if (n !== data.length) this.fail(`block of ${name} holds ${n} values, data has ${data.length}`);
    if (dtypeOf(data) !== spec.dtype) this.fail(`block of ${name} is ${data.constructor.name}, the dataset is ${spec.dtype}`);
    try {
      ds.write_slice(full, data as unknown as Parameters<H5Ds["write_slice"]>[1]);
    } catch (e) {
      this.fail(`write of ${name} failed (${(e as Error).message})`);
    }
    this.written += data.byteLength;
    this.bar?.update(this.written);
  }

  /** A small dataset written whole (dates, baselines): created and filled in one call. */
  writeWhole(d: H5Dataset & { dtype?: string }): void {
    const parts = d.name.split("/").filter(Boolean);
    const g = this.group(parts.slice(0, -1));
    try {
      const ds = g.create_dataset({
        name: parts[parts.length - 1],
        data: d.data as Parameters<H5Group["create_dataset"]>[0]["data"],
        shape: d.shape,
        dtype: d.dtype ?? dtypeOf(d.data),
      });
      for (const [k, v] of Object.entries(d.attrs ?? {})) ds.create_attribute(k, v);
    } catch (e) {
      this.fail(`cannot write dataset ${d.name} (${(e as Error).message})`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.f.close();
    renameSync(this.tmp, this.file);
    this.bar?.done();
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.f.close();
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}
