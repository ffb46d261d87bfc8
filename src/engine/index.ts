/**
 * Fast U-Net training on the CPU: WASM SIMD kernels on all cores, registered into TensorFlow.js.
 *
 *   await tf.setBackend("wasm");                 // or "cpu"
 *   await registerFastKernels(tf.getBackend() as "wasm" | "cpu");
 *
 * Environment: DLAB_ENGINE_THREADS (threads, default all cores), DLAB_ENGINE_SIMD=plain (skip relaxed SIMD).
 */
export { Engine, getEngine, wasmPath, type EngineInfo, type SimdFlavour } from "./engine";
export { dropoutMask, fastDropout } from "./dropout";
export { FAST_KERNEL_NAMES, isFastKernel, registerFastKernels, type FastBackend } from "./kernels";
export { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, gemm, maxPool, maxPoolGrad, type ConvGeometry, type PoolGeometry } from "./ops";
