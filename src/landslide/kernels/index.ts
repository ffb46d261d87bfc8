/**
 * Kernels the stock tfjs backends lack or run slowly for U-Net training, registered once per process.
 * Each replacement is tested against the reference cpu kernel on random inputs (tests/landslide/kernels).
 */
import { getKernel, registerKernel, type KernelConfig } from "@tensorflow/tfjs";
import { conv2DBackpropFilterWasmConfig } from "./conv2d-backprop-filter-wasm";

export const WASM_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig];

/** Registers the wasm replacements that are not registered yet (safe to call repeatedly). */
export function registerWasmKernels(): void {
  for (const k of WASM_KERNELS) {
    if (!getKernel(k.kernelName, k.backendName)) registerKernel(k);
  }
}
