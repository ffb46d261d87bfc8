/// <reference types="@webgpu/types" />
/**
 * A WebGPU device for the GPU engine, from the browser's `navigator.gpu` or, under Node, the npm `webgpu`
 * package (Dawn). The engine's kernels check their own bounds, so Dawn's robustness clamping (an extra
 * bounds check on every buffer access) is switched off where Dawn allows it (`DLAB_GPU_ROBUST=1` keeps it).
 */
import { spawnSync } from "node:child_process";
import { importEsm } from "../../core/esm";
import { projectRoot } from "../../core/project";

interface WebGpuModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export interface GpuAdapterInfo {
  description: string;
  vendor: string;
  architecture: string;
  software: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GpuAdapterInfo;
}

/** Mesa's lavapipe/llvmpipe or SwiftShader: WebGPU emulated on the CPU. */
export function isSoftwareAdapterInfo(fallback: boolean | undefined, info: { architecture?: string; description?: string; device?: string } | undefined): boolean {
  const i = info ?? {};
  return fallback === true || i.architecture === "software" || /llvmpipe|lavapipe|swiftshader/i.test(`${i.description ?? ""} ${i.device ?? ""}`);
}

let probed: { hardware: boolean; description: string } | undefined;

/**
 * Whether a hardware WebGPU adapter exists, asked in a child process whose stderr is dropped: Dawn
 * prints warnings such as "Couldn't load Vulkan" straight to the process's stderr when it looks for
 * adapters, which no command should show when WebGPU was not asked for. Loading Dawn in this process
 * then happens only where a GPU will be used.
 */
export function probeHardwareAdapter(): { hardware: boolean; description: string } {
  if (probed) return probed;
  const script =
    'const m = await import("webgpu"); const a = await m.create([]).requestAdapter({ powerPreference: "high-performance" });' +
    "const i = a?.info ?? {}; process.stdout.write(JSON.stringify(a ? { fallback: a.isFallbackAdapter === true, architecture: i.architecture, description: i.description, device: i.device } : null)); process.exit(0);";
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: projectRoot(), stdio: ["ignore", "pipe", "ignore"], encoding: "utf8", timeout: 60_000 });
  type Found = { fallback: boolean; architecture?: string; description?: string; device?: string } | null;
  const parse = (): Found => {
    try {
      return r.status === 0 ? (JSON.parse(r.stdout) as Found) : null;
    } catch {
      return null;
    }
  };
  const a = parse();
  probed = a ? { hardware: !isSoftwareAdapterInfo(a.fallback, a), description: a.description || a.device || "" } : { hardware: false, description: "" };
  return probed;
}

let gpuPromise: Promise<GPU | null> | undefined;

/** The GPU entry point: navigator.gpu when present, else the npm `webgpu` package (installing its globals). */
export function webgpuEntry(): Promise<GPU | null> {
  gpuPromise ??= (async () => {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    try {
      const mod = await importEsm<WebGpuModule>("webgpu");
      Object.assign(globalThis, mod.globals);
      const flags = process.env.DLAB_GPU_ROBUST === "1" ? [] : ["enable-dawn-features=allow_unsafe_apis,disable_robustness"];
      const gpu = mod.create(flags);
      if (!nav?.gpu) Object.defineProperty(globalThis, "navigator", { value: { ...(nav ?? {}), gpu }, configurable: true, writable: true });
      return gpu;
    } catch {
      return nav?.gpu ?? null;
    }
  })();
  return gpuPromise;
}

/**
 * A device with the limits the U-Net needs at large batches (the adapter's maxima for buffer sizes and
 * storage bindings). `allowSoftware` accepts a CPU-emulated adapter (tests); otherwise null is returned
 * for one, since the CPU engine is faster than emulated WebGPU.
 */
export async function requestGpu(allowSoftware = false): Promise<GpuContext | null> {
  const gpu = await webgpuEntry();
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return null;
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const software = isSoftwareAdapterInfo((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter, info);
  if (software && !allowSoftware) return null;
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(L.maxStorageBuffersPerShaderStage, 10),
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: Math.min(L.maxComputeInvocationsPerWorkgroup, 1024),
      maxComputeWorkgroupSizeX: Math.min(L.maxComputeWorkgroupSizeX, 1024),
    },
  });
  return {
    device,
    adapter: {
      description: info?.description || info?.device || "unknown adapter",
      vendor: info?.vendor ?? "",
      architecture: info?.architecture ?? "",
      software,
    },
  };
}
