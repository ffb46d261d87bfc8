/// <reference types="@webgpu/types" />
/**
 * A WebGPU device for the GPU engine, from the browser's `navigator.gpu` or, under Node, the npm `webgpu`
 * package (Dawn). The engine's kernels check their own bounds, so Dawn's robustness clamping (an extra
 * bounds check on every buffer access) is switched off where Dawn allows it (`DLAB_GPU_ROBUST=1` keeps it).
 */
import { importEsm } from "../../core/esm";

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
