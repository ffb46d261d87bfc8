/**
 * Faster `Conv2DBackpropInput` for the tfjs wasm backend. The stock kernel is a direct loop that took
 * ≈ 38 % of a U-Net training step; the two cases the U-Net uses map onto XNNPACK instead:
 *
 * - stride 1 (the input gradient of every 3×3 convolution): a convolution of dy with the filter rotated
 *   by 180° and its channel axes swapped, padded by (f − 1 − pad) on each side:
 *     dx[n,h,w,ci] = Σ_{kh,kw,co} dy[n, h + top − kh, w + left − kw, co] · W[kh,kw,ci,co];
 * - stride = filter size with no padding (the 2×2 stride-2 transposed convolutions of the decoder, whose
 *   forward pass is this kernel): the output blocks do not overlap, so it is one GEMM
 *     [n·h·w, co] × [co, fh·fw·ci] followed by a depth-to-space shuffle.
 *
 * Anything else falls back to the stock kernel.
 */
import {
  backend_util,
  Conv2DBackpropInput,
  getKernel,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./conv2d-backprop-filter-wasm";

/** [fh,fw,ci,co] → rotated 180° with channels swapped: [fh,fw,co,ci]. */
export function rotateFilter180(w: Float32Array, fh: number, fw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let kh = 0; kh < fh; kh++)
    for (let kw = 0; kw < fw; kw++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[(((fh - 1 - kh) * fw + (fw - 1 - kw)) * co + o) * ci + i] = w[((kh * fw + kw) * ci + i) * co + o];
  return out;
}

let stockKernel: KernelFunc | undefined;

/** Remembers the stock kernel before ours replaces it, for the cases we do not handle. */
export function captureStockConv2DBackpropInput(): void {
  const k = getKernel(Conv2DBackpropInput, "wasm");
  if (k && k.kernelFunc !== conv2DBackpropInputWasm) stockKernel = k.kernelFunc;
}

export const conv2DBackpropInputWasm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as NamedTensorInfoMap as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  const b = backend as unknown as WasmBackendLike;
  const fmt = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, fmt);
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO, strideHeight: SH, strideWidth: SW } = info;
  const { top, bottom, left, right } = info.padInfo;
  const fallback = (): TensorInfo => {
    if (!stockKernel) throw new Error("Conv2DBackpropInput (wasm): the stock kernel was not captured");
    return stockKernel(args) as TensorInfo;
  };
  if (fmt !== "channelsLast" || dy.dtype !== "float32" || filter.dtype !== "float32") return fallback();

  const [N, H, W] = [info.batchSize, info.inHeight, info.inWidth];
  const { outHeight: OH, outWidth: OW } = info;
  // tfjs computes numeric padding of non-square filters inconsistently; only take shapes that close.
  const closes = OH + FH - 1 - top - bottom === H && OW + FW - 1 - left - right === W;
  if (SH === 1 && SW === 1 && closes) {
    const conv = getKernel("Conv2D", "wasm");
    if (!conv) return fallback();
    const wv = b.typedArrayFromHeap(filter) as Float32Array;
    const rot = b.makeOutput([FH, FW, CO, CI], "float32", undefined, rotateFilter180(wv, FH, FW, CI, CO));
    const out = conv.kernelFunc({
      inputs: { x: dy, filter: rot },
      backend,
      attrs: {
        strides: [1, 1],
        pad: [
          [0, 0],
          [FH - 1 - top, FH - 1 - bottom],
          [FW - 1 - left, FW - 1 - right],
          [0, 0],
        ],
        dataFormat: "NHWC",
        dilations: [1, 1],
      },
    }) as TensorInfo;
    b.disposeData(rot.dataId);
    return out;
  }

  if (SH === FH && SW === FW && top === 0 && left === 0 && OH * SH === H && OW * SW === W) {
    const matMul = getKernel("BatchMatMul", "wasm");
    if (!matMul) return fallback();
    const K = FH * FW * CI;
    const wv = b.typedArrayFromHeap(filter) as Float32Array;
    const wr = new Float32Array(CO * K);
    for (let k = 0; k < K; k++) for (let o = 0; o < CO; o++) wr[o * K + k] = wv[k * CO + o];
    const wT = b.makeOutput([1, CO, K], "float32", undefined, wr);
    const M = N * OH * OW;
    const dy3 = b.makeOutput([1, M, CO], "float32");
    (b.typedArrayFromHeap(dy3) as Float32Array).set(b.typedArrayFromHeap(dy) as Float32Array);
    const prod = matMul.kernelFunc({ inputs: { a: dy3, b: wT }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
    const out = b.makeOutput([N, H, W, CI], "float32");
    const pv = b.typedArrayFromHeap(prod) as Float32Array;
    const ov = b.typedArrayFromHeap(out) as Float32Array;
    // prod[(n,i,j), (kh,kw,ci)] → dx[n, i·FH + kh, j·FW + kw, ci]
    for (let n = 0; n < N; n++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const src = ((n * OH + i) * OW + j) * K;
          for (let kh = 0; kh < FH; kh++) {
            const dst = ((n * H + i * FH + kh) * W + j * FW) * CI;
            ov.set(pv.subarray(src + kh * FW * CI, src + (kh + 1) * FW * CI), dst);
          }
        }
    b.disposeData(prod.dataId);
    b.disposeData(wT.dataId);
    b.disposeData(dy3.dataId);
    return out;
  }
  return fallback();
};

export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInputWasm,
};
