/**
 * Kernels the stock tfjs backends lack or run slowly for U-Net training, registered once per process.
 * Each replacement is tested against the reference cpu kernel on random inputs (tests/landslide/kernels).
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from "@tensorflow/tfjs";
import { conv2DBackpropFilterWasmConfig } from "./conv2d-backprop-filter-wasm";
import { captureStockConv2DBackpropInput, conv2DBackpropInputWasmConfig } from "./conv2d-backprop-input-wasm";
import { conv2DBackpropFilterWebgpuConfig } from "./conv2d-backprop-filter-webgpu";

/** Missing in tfjs-backend-wasm: added. */
export const WASM_ADDED_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig];
/** Present but slow in tfjs-backend-wasm: replaced (the stock one stays as fallback). */
export const WASM_REPLACED_KERNELS: readonly KernelConfig[] = [conv2DBackpropInputWasmConfig];

/** Registers the wasm additions and replacements (safe to call repeatedly). */
export function registerWasmKernels(): void {
  for (const k of WASM_ADDED_KERNELS) {
    if (!getKernel(k.kernelName, k.backendName)) registerKernel(k);
  }
  captureStockConv2DBackpropInput();
  for (const k of WASM_REPLACED_KERNELS) {
    const cur = getKernel(k.kernelName, k.backendName);
    if (cur?.kernelFunc === k.kernelFunc) continue;
    if (cur) unregisterKernel(k.kernelName, k.backendName);
    registerKernel(k);
  }
}

/** Present but slow in tfjs-backend-webgpu (one thread per filter tap over all of K): replaced. */
export const WEBGPU_REPLACED_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWebgpuConfig];

/** Registers the webgpu replacements once the webgpu backend is loaded (safe to call repeatedly). */
export function registerWebgpuKernels(): void {
  for (const k of WEBGPU_REPLACED_KERNELS) {
    const cur = getKernel(k.kernelName, k.backendName);
    if (cur?.kernelFunc === k.kernelFunc) continue;
    if (cur) unregisterKernel(k.kernelName, k.backendName);
    registerKernel(k);
  }
}
