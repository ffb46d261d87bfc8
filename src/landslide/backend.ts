/**
 * The one place that decides which TensorFlow.js backend trains and runs the U-Net.
 *
 * Order of preference: `tensorflow` (native libtensorflow through @tensorflow/tfjs-node-gpu or
 * @tensorflow/tfjs-node, when installed) → `webgpu` (Dawn through the npm `webgpu` package, where a GPU
 * adapter exists; under `auto` a software adapter such as Mesa's lavapipe is skipped, and the adapter is
 * probed in a child process first so that Dawn's warnings never reach a command that did not ask for it) → `wasm` (XNNPACK,
 * SIMD) → `cpu` (plain JavaScript, the reference). A flag
 * (`--backend`) or the environment variable `DLAB_TF_BACKEND` overrides the choice; an explicit choice that
 * cannot be honoured is an error rather than a silent fallback, so benchmark numbers always name the
 * backend that produced them.
 *
 * On `wasm` the project's own WASM SIMD engine (src/engine: multi-threaded convolutions and
 * their gradients, pooling, fused dropout masks) replaces the hot kernels unless `DLAB_ENGINE=off`; the
 * kernels registered before it stay as its fallback for attributes it does not cover. On `webgpu`,
 * `registerWebgpuKernels()` replaces the stock Conv2DBackpropFilter with a tiled split-K GEMM.
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { importEsm } from "../core/esm";
import { isSoftwareAdapterInfo, probeHardwareAdapter } from "../engine/gpu/device";
import { registerWasmKernels, registerWebgpuKernels } from "./kernels";
import { getEngine, registerFastKernels, type Engine } from "../engine";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

export interface BackendOptions {
  /** Backend to use; `auto` (default) walks BACKEND_ORDER. Defaults to `DLAB_TF_BACKEND`. */
  backend?: BackendName | "auto";
  /** Threads for the wasm backend (only effective where tfjs can run wasm threads; Node cannot yet). */
  threads?: number;
}

export interface BackendInfo {
  name: BackendName;
  /** What was detected about the backend, for logs and benchmark records. */
  detail: string;
}

/**
 * Optional packages are imported by a variable name so that type-checking does not need them installed,
 * and through `import()` so that they bind to the same tfjs-core instance as this module (ESM under
 * vitest/tsx, CommonJS under tslab).
 */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

export function parseBackendName(s: string, source: string): BackendName | "auto" {
  const v = s.trim().toLowerCase();
  if (v === "auto" || (BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName | "auto";
  throw new Error(`${source}: unknown TensorFlow.js backend "${s}"; use auto, ${BACKEND_ORDER.join(", ")}`);
}

async function tryTensorflow(): Promise<string | null> {
  // tfjs-node registers the "tensorflow" backend with the tfjs-core instance it shares with us.
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await importOptional(pkg);
      if (tf.findBackendFactory("tensorflow") && (await tf.setBackend("tensorflow"))) return pkg;
    } catch {
      // Not installed or its native library failed to load: try the next one.
    }
  }
  return null;
}

interface WebGpuModule {
  create(flags: string[]): { requestAdapter(): Promise<unknown | null> };
  globals: Record<string, unknown>;
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { architecture?: string; description?: string; device?: string };
}

/** Mesa's lavapipe/llvmpipe or SwiftShader: WebGPU emulated on the CPU, slower than the wasm backend. */
export function isSoftwareAdapter(a: AdapterLike): boolean {
  return isSoftwareAdapterInfo(a.isFallbackAdapter, a.info);
}

/** `allowSoftware`: accept a CPU-emulated adapter (only when webgpu is asked for by name, e.g. in tests). */
async function tryWebgpu(allowSoftware: boolean): Promise<string | null> {
  // Unasked (auto), Dawn is loaded here only when a child process found a hardware adapter.
  if (!allowSoftware && !probeHardwareAdapter().hardware) return null;
  try {
    const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown | null> } } }).navigator;
    if (!nav?.gpu) {
      const mod = await importEsm<WebGpuModule>("webgpu");
      Object.assign(globalThis, mod.globals);
      const gpu = mod.create([]);
      Object.defineProperty(globalThis, "navigator", { value: { ...(nav ?? {}), gpu }, configurable: true, writable: true });
    }
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown | null> } } }).navigator?.gpu;
    const adapter = gpu ? ((await gpu.requestAdapter()) as AdapterLike | null) : null;
    if (!adapter || (!allowSoftware && isSoftwareAdapter(adapter))) return null;
    // The webgpu backend registers itself only if navigator.gpu exists when it is first imported.
    await import("@tensorflow/tfjs-backend-webgpu");
    if (await tf.setBackend("webgpu")) {
      registerWebgpuKernels();
      const soft = isSoftwareAdapter(adapter) ? `, software adapter: ${adapter.info?.description ?? "fallback"}` : "";
      return `webgpu (Dawn, npm webgpu${soft}) + GEMM Conv2DBackpropFilter`;
    }
  } catch {
    // No package, no adapter or no device: not available here.
  }
  return null;
}

let engine: Engine | undefined;

/** The fast engine when it drives the active backend's kernels (used by the U-Net's dropout). */
export function activeEngine(): Engine | undefined {
  const name = tf.getBackend();
  return engine && name === "wasm" ? engine : undefined;
}

async function attachEngine(backend: "wasm" | "cpu"): Promise<string> {
  if (process.env.DLAB_ENGINE === "off") return "";
  try {
    const names = await registerFastKernels(backend);
    engine = await getEngine();
    return ` + engine (${names.length} kernels, ${engine.info.threads} threads, ${engine.info.simd} SIMD)`;
  } catch (e) {
    // The stock kernels still work; say why the engine is missing rather than failing the run.
    process.stderr.write(`warning: fast engine unavailable (${(e as Error).message}); using stock ${backend} kernels\n`);
    return "";
  }
}

async function tryWasm(threads: number | undefined): Promise<string | null> {
  try {
    const wasm = tfWasm;
    if (threads && threads > 0) wasm.setThreadsCount(threads);
    if (!(await tf.setBackend("wasm"))) return null;
    registerWasmKernels();
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    return `wasm simd=${simd} threads=${mt ? wasm.getThreadsCount() : 1}` + (await attachEngine("wasm"));
  } catch {
    return null;
  }
}

let current: BackendInfo | undefined;

/**
 * Selects and initialises the backend (idempotent for the same request). Call before building models:
 * tensors belong to the backend that was active when they were made.
 */
export async function selectBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const env = process.env.DLAB_TF_BACKEND;
  const wanted = opts.backend ?? (env ? parseBackendName(env, "DLAB_TF_BACKEND") : "auto");
  if (current && (wanted === "auto" || wanted === current.name) && tf.getBackend() === current.name) return current;
  const candidates = wanted === "auto" ? BACKEND_ORDER : [wanted];
  for (const name of candidates) {
    let detail: string | null = null;
    if (name === "tensorflow") detail = await tryTensorflow();
    else if (name === "webgpu") detail = await tryWebgpu(wanted === "webgpu");
    else if (name === "wasm") detail = await tryWasm(opts.threads);
    else if (await tf.setBackend("cpu")) detail = "cpu (JavaScript reference kernels)";
    if (detail) {
      await tf.ready();
      current = { name, detail };
      return current;
    }
  }
  throw new Error(
    `TensorFlow.js backend "${wanted}" is not available here` +
      (wanted === "tensorflow" ? " (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu)" : "") +
      (wanted === "webgpu" ? " (no WebGPU adapter found through the npm webgpu package)" : ""),
  );
}

/** Backends that can be initialised here, in preference order (used by the benchmark). */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKEND_ORDER) {
    if (name === "webgpu" && !probeHardwareAdapter().hardware) continue;
    try {
      await selectBackend({ backend: name });
      out.push(name);
    } catch {
      // Not available: skip.
    }
  }
  return out;
}
