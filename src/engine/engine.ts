/**
 * The CPU engine: the AssemblyScript kernels of `src/engine/assembly/kernels.ts` instantiated on one shared
 * `WebAssembly.Memory` by the main thread and by worker threads, so one operator runs on all cores.
 *
 * tfjs kernels are synchronous, so dispatch is too: the main thread writes a parameter block, bumps a
 * generation counter and wakes the workers (`Atomics.notify`), does its own share of the work, then waits
 * (`Atomics.wait`, allowed on Node's main thread) until every worker has checked in. A dispatch costs a few
 * tens of microseconds, far below one convolution.
 *
 * Relaxed SIMD (`f32x4.relaxed_madd`, fused multiply-add) is behind a V8 flag in Node 20; it is switched on
 * with `v8.setFlagsFromString` before compiling (NODE_OPTIONS refuses it) and the plain-SIMD build is used
 * where that does not validate. `DLAB_ENGINE_SIMD=plain` forces the plain build, `DLAB_ENGINE_THREADS=n` the
 * thread count, `DLAB_ENGINE_WASM_DIR` another folder for the compiled modules.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { projectRoot } from "../core/project";

/** Operators exported by the wasm module, in the order their ids are sent to workers. */
export const OPS = [
  "conv_bwd_filter",
  "conv_bwd_input_col2im",
  "reduce_add",
  "pack_b",
  "flip_filter",
  "maxpool_fwd",
  "maxpool_bwd",
  "conv_fwd_implicit",
  "pad_input",
  "conv_bwd_filter_implicit",
  "reduce_transpose",
  "col_sum",
  "maxpool_bwd_tiled",
  "dropout_mask",
] as const;
export type OpName = (typeof OPS)[number];

type OpFn = (params: number, tid: number, nt: number) => void;

/**
 * The part of the WebAssembly JS API used here, typed locally: tslab compiles notebook imports with a lib
 * that has no WebAssembly values (only the namespace), so the global is reached through globalThis.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
/** An opaque compiled module (structured-cloneable to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Byte layout of the shared memory's low part: [0, 64K) the module's own, then control, params, heap. */
const CTRL = 65536; // i32: 0 generation, 1 done count, 2 op id, 3 threads used, 4 error flag, 5 ready count
const PARAMS = CTRL + 256;
const HEAP = CTRL + 65536;
const PAGE = 65536;
/** Maximum pages (2 GiB), as declared by the build (`--maximumMemory`). */
const MAX_PAGES = 32768;

export type SimdFlavour = "relaxed" | "plain";

export interface EngineInfo {
  simd: SimdFlavour;
  threads: number;
  wasmFile: string;
}

/** Path of a compiled kernel module (committed next to its source, rebuilt by `npm run build:wasm`). */
export function wasmPath(flavour: SimdFlavour): string {
  // DLAB_ENGINE_WASM_DIR: where a bundled copy (e.g. carried to another machine) keeps the modules.
  const dir = process.env.DLAB_ENGINE_WASM_DIR ?? join(projectRoot(), "src", "engine", "assembly");
  return join(dir, flavour === "relaxed" ? "kernels-relaxed.wasm" : "kernels-simd.wasm");
}

let relaxedFlagSet = false;
function enableRelaxedSimd(): void {
  if (relaxedFlagSet) return;
  // Process-wide V8 flag; has to precede the compile of any module using relaxed SIMD.
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  relaxedFlagSet = true;
}

function loadModule(flavour: SimdFlavour): { module: WasmModule; file: string } {
  const file = wasmPath(flavour);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`engine: cannot read ${file} (${(e as Error).message}); run \`npm run build:wasm\``);
  }
  if (flavour === "relaxed") enableRelaxedSimd();
  if (!WA.validate(bytes)) throw new Error(`engine: ${file} does not validate on this engine (${flavour} SIMD)`);
  return { module: new WA.Module(bytes), file };
}

// Plain JS (CommonJS, eval'd) so it runs the same under tsx, vitest and tslab without a build step.
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, tid, ctrlOff, paramsOff, ops, relaxed } = workerData;
if (relaxed) require("node:v8").setFlagsFromString("--experimental-wasm-relaxed-simd");
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = ops.map((n) => inst.exports[n]);
const ctrl = new Int32Array(memory.buffer, ctrlOff, 16);
let gen = workerData.gen;
Atomics.add(ctrl, 5, 1);
parentPort.postMessage("ready");
for (;;) {
  Atomics.wait(ctrl, 0, gen);
  gen = Atomics.load(ctrl, 0);
  const op = Atomics.load(ctrl, 2);
  if (op < 0) break;
  const nt = Atomics.load(ctrl, 3);
  if (tid < nt) {
    try { fns[op](paramsOff, tid, nt); } catch (e) { Atomics.store(ctrl, 4, 1); }
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

export class Engine {
  readonly memory: WasmMemory;
  readonly info: EngineInfo;
  private readonly fns: Record<OpName, OpFn>;
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  private heapTop = HEAP;

  private constructor(module: WasmModule, file: string, simd: SimdFlavour, threads: number) {
    this.memory = new WA.Memory({ initial: HEAP / PAGE + 16, maximum: MAX_PAGES, shared: true });
    const inst = new WA.Instance(module, { env: { memory: this.memory } });
    const fns = {} as Record<OpName, OpFn>;
    for (const name of OPS) fns[name] = inst.exports[name] as OpFn;
    this.fns = fns;
    this.ctrl = new Int32Array(this.memory.buffer, CTRL, 16);
    this.info = { simd, threads, wasmFile: file };
  }

  /** Compiles the module and starts `threads − 1` workers (all cores by default). */
  static async create(opts: { threads?: number; simd?: SimdFlavour } = {}): Promise<Engine> {
    const envThreads = Number(process.env.DLAB_ENGINE_THREADS);
    const threads = Math.max(1, Math.floor(opts.threads ?? (envThreads > 0 ? envThreads : availableParallelism())));
    let simd: SimdFlavour = opts.simd ?? (process.env.DLAB_ENGINE_SIMD === "plain" ? "plain" : "relaxed");
    let loaded: { module: WasmModule; file: string };
    try {
      loaded = loadModule(simd);
    } catch (e) {
      if (simd !== "relaxed") throw e;
      simd = "plain";
      loaded = loadModule(simd);
    }
    const engine = new Engine(loaded.module, loaded.file, simd, threads);
    await engine.startWorkers(loaded.module, threads - 1);
    return engine;
  }

  private async startWorkers(module: WasmModule, n: number): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let t = 1; t <= n; t++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          module,
          memory: this.memory,
          tid: t,
          ctrlOff: CTRL,
          paramsOff: PARAMS,
          ops: [...OPS],
          relaxed: this.info.simd === "relaxed",
          gen: Atomics.load(this.ctrl, 0),
        },
      });
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.once("message", () => resolve());
          w.once("error", (e) => reject(new Error(`engine: worker ${t} failed to start: ${e.message}`)));
        }),
      );
      this.workers.push(w);
    }
    await Promise.all(ready);
    // Only now: an unref'd worker would not keep the process alive while it starts up.
    for (const w of this.workers) w.unref();
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Frees every heap allocation (each operator lays out its buffers afresh). */
  reset(): void {
    this.heapTop = HEAP;
  }

  /** Reserves `bytes` (16-byte aligned) on the heap, growing the memory as needed; returns the offset. */
  alloc(bytes: number): number {
    const at = this.heapTop;
    // +64: kernels may read (never use) a few floats past the end of a buffer (partial tiles).
    const end = at + Math.ceil(bytes / 64) * 64 + 64;
    if (end > MAX_PAGES * PAGE) {
      throw new Error(`engine: operator needs ${(end / 2 ** 20).toFixed(0)} MiB, over the ${MAX_PAGES * PAGE / 2 ** 30} GiB engine memory; use a smaller batch`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.heapTop = end;
    return at;
  }

  /** Float32 view of `count` floats at byte offset `ptr` (re-made after each grow). */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** Copies `data` onto the heap; returns its offset. */
  put(data: Float32Array): number {
    const p = this.alloc(data.length * 4);
    this.f32(p, data.length).set(data);
    return p;
  }

  /** Allocates `count` zeroed floats. */
  zeros(count: number): number {
    const p = this.alloc(count * 4);
    this.f32(p, count).fill(0);
    return p;
  }

  /** Runs operator `op` with i32 parameter block `params` on `threads` threads (default all) and waits. */
  run(op: OpName, params: readonly number[], threads = this.threads): void {
    const nt = Math.max(1, Math.min(threads, this.threads));
    const block = new Int32Array(this.memory.buffer, PARAMS, 64);
    for (let i = 0; i < params.length; i++) block[i] = params[i] | 0;
    const ctrl = this.ctrl;
    // One thread asked for (packing, small operators): run it here without waking the workers.
    const nw = nt > 1 ? this.workers.length : 0;
    if (nw > 0) {
      Atomics.store(ctrl, 1, 0);
      Atomics.store(ctrl, 4, 0);
      Atomics.store(ctrl, 2, OPS.indexOf(op));
      Atomics.store(ctrl, 3, nt);
      Atomics.add(ctrl, 0, 1);
      Atomics.notify(ctrl, 0);
    }
    let failure: unknown;
    try {
      this.fns[op](PARAMS, 0, nt);
    } catch (e) {
      failure = e;
    }
    if (nw > 0) {
      for (;;) {
        const done = Atomics.load(ctrl, 1);
        if (done >= nw) break;
        if (Atomics.wait(ctrl, 1, done, 600_000) === "timed-out") throw new Error(`engine: ${op} workers did not finish in 10 min`);
      }
      if (Atomics.load(ctrl, 4) !== 0) failure ??= new Error(`engine: ${op} trapped in a worker`);
    }
    if (failure) throw new Error(`engine: ${op} failed: ${(failure as Error).message ?? String(failure)}`);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, 2, -1);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

let shared: Promise<Engine> | undefined;

/** The process-wide engine (created on first use). */
export function getEngine(): Promise<Engine> {
  shared ??= Engine.create();
  return shared;
}
