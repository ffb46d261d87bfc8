/**
 * `Conv2DBackpropFilter` for the tfjs wasm backend, which does not ship one (without it no convolution
 * can be trained on wasm). The filter gradient is a GEMM over an im2col matrix:
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh − top + kh, ow·sw − left + kw, ci] · dy[n,oh,ow,co]
 *                   = (cols^T · dy2d)[(kh·fw + kw)·Ci + ci, co]
 *
 * with cols[(n,oh,ow), (kh,kw,ci)] the im2col matrix. The matrix is built over a few images at a time,
 * so its memory stays bounded (the first U-Net level at batch 16 would need ~150 MB at once), and the
 * product runs in the backend's own XNNPACK BatchMatMul. It is computed as dy^T·cols with dy transposed
 * here (it is small): tfjs-wasm's BatchMatMul with transposeA/transposeB set runs ≈10× slower than
 * without (measured 0.6 against 6.5–7.5 GFLOP/s on this shape).
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  getKernel,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs";

/** The part of the wasm backend these kernels use (its class is not exported with these members typed). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: "float32", memoryOffset?: number, values?: Float32Array): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Upper bound on the im2col chunk, in floats (32 MiB). */
export const IM2COL_CHUNK_FLOATS = 8 * 1024 * 1024;

/**
 * Fills `cols` (row-major, rows = images·outH·outW, K = fh·fw·Ci) for images [n0, n0+count) of a
 * channels-last input. Out-of-image taps are zero (the convolution's padding).
 */
export function im2colNHWC(
  x: Float32Array,
  info: backend_util.Conv2DInfo,
  n0: number,
  count: number,
  cols: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const { dilationHeight: DH, dilationWidth: DW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  // Plain index loops: typed-array subarray()/set() per tap cost more than the copy for small C.
  let r = 0;
  for (let n = n0; n < n0 + count; n++) {
    const xn = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, r++) {
        let o = r * K;
        const iw0 = ow * SW - left;
        // Whole filter row inside the image and taps adjacent: one contiguous run of FW·C values.
        const rowInside = DW === 1 && iw0 >= 0 && iw0 + FW <= W;
        for (let kh = 0; kh < FH; kh++) {
          const ih = oh * SH - top + kh * DH;
          if (ih < 0 || ih >= H) {
            for (let e = o + FW * C; o < e; o++) cols[o] = 0;
            continue;
          }
          const rowBase = xn + ih * W * C;
          if (rowInside) {
            let src = rowBase + iw0 * C;
            for (let e = o + FW * C; o < e; o++, src++) cols[o] = x[src];
            continue;
          }
          for (let kw = 0; kw < FW; kw++) {
            const iw = iw0 + kw * DW;
            if (iw < 0 || iw >= W) {
              for (let e = o + C; o < e; o++) cols[o] = 0;
            } else {
              let src = rowBase + iw * C;
              for (let e = o + C; o < e; o++, src++) cols[o] = x[src];
            }
          }
        }
      }
    }
  }
}

/**
 * Stride-1 filter gradient as one XNNPACK convolution, without an im2col matrix: with the batch axis
 * taken as the channel axis,
 *   dW[kh,kw,ci,co] = Σ_{oh,ow,n} X'[ci, oh + kh − top, ow + kw − left, n] · F'[oh, ow, n, co],
 * X' = x transposed to [Ci, H, W, N] and F' = dy transposed to [OH, OW, N, CO]: a convolution of X'
 * (Ci "images") with an OH×OW filter, padded like the original, whose Fh×Fw output is the gradient.
 * Costs two transposes instead of writing the input Fh·Fw times.
 */
export function filterGradViaConv(
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  backend: unknown,
): TensorInfo | null {
  const conv = getKernel("Conv2D", "wasm");
  if (!conv) return null;
  const b = backend as WasmBackendLike;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const { top, bottom, left, right } = info.padInfo;
  const xT = b.makeOutput([CI, H, W, N], "float32");
  const dyT = b.makeOutput([OH, OW, N, CO], "float32");
  {
    const xv = b.typedArrayFromHeap(x) as Float32Array;
    const xt = b.typedArrayFromHeap(xT) as Float32Array;
    const HW = H * W;
    for (let n = 0; n < N; n++)
      for (let p = 0; p < HW; p++) {
        const src = (n * HW + p) * CI;
        for (let c = 0; c < CI; c++) xt[(c * HW + p) * N + n] = xv[src + c];
      }
    const dv = b.typedArrayFromHeap(dy) as Float32Array;
    const dt = b.typedArrayFromHeap(dyT) as Float32Array;
    const P = OH * OW;
    for (let n = 0; n < N; n++)
      for (let p = 0; p < P; p++) {
        const src = (n * P + p) * CO;
        const dst = (p * N + n) * CO;
        for (let c = 0; c < CO; c++) dt[dst + c] = dv[src + c];
      }
  }
  const out = conv.kernelFunc({
    inputs: { x: xT, filter: dyT },
    backend: backend as never,
    attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: "NHWC", dilations: [1, 1] },
  }) as TensorInfo;
  b.disposeData(xT.dataId);
  b.disposeData(dyT.dataId);
  // out is [CI, FH, FW, CO]; the gradient is [FH, FW, CI, CO].
  const ov = b.typedArrayFromHeap(out) as Float32Array;
  const g = new Float32Array(FH * FW * CI * CO);
  for (let c = 0; c < CI; c++)
    for (let k = 0; k < FH * FW; k++) {
      const src = (c * FH * FW + k) * CO;
      const dst = (k * CI + c) * CO;
      for (let o = 0; o < CO; o++) g[dst + o] = ov[src + o];
    }
  b.disposeData(out.dataId);
  return b.makeOutput([FH, FW, CI, CO], "float32", undefined, g);
}

/**
 * Which algorithm the wasm filter gradient uses for stride-1 convolutions. `auto`: the convolution
 * form from 16×16 outputs up (measured 4–7× faster than im2col at 64–128 px), im2col below (the
 * convolution's per-tap overhead dominates on 8×8 maps). Tests force each path.
 */
export const filterGradStrategy: { stride1: "auto" | "conv" | "im2col" } = { stride1: "auto" };
export const CONV_PATH_MIN_OUTPUT_PIXELS = 16 * 16;

export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as NamedTensorInfoMap as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const b = backend as unknown as WasmBackendLike;
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error(`Conv2DBackpropFilter (wasm): float32 inputs required, got ${x.dtype} and ${dy.dtype}`);
  }
  const fmt = backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== "channelsLast") throw new Error("Conv2DBackpropFilter (wasm): only NHWC (channelsLast) is supported");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    fmt,
  );
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { top, bottom, left, right } = info.padInfo;
  const closes =
    OH + info.filterHeight - 1 - top - bottom === info.inHeight && OW + info.filterWidth - 1 - left - right === info.inWidth;
  const st = filterGradStrategy.stride1;
  const useConv = st === "conv" || (st === "auto" && OH * OW >= CONV_PATH_MIN_OUTPUT_PIXELS);
  if (useConv && info.strideHeight === 1 && info.strideWidth === 1 && closes) {
    const g = filterGradViaConv(x, dy, info, backend);
    if (g) return g;
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = OH * OW;
  const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(IM2COL_CHUNK_FLOATS / Math.max(1, rowsPerImage * K))));
  const matMul = getKernel("BatchMatMul", "wasm");
  if (!matMul) throw new Error("Conv2DBackpropFilter (wasm): the wasm BatchMatMul kernel is not registered");

  const acc = new Float64Array(K * CO);
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, N - n0);
    const rows = count * rowsPerImage;
    // Every makeOutput may grow wasm memory and detach earlier heap views, so views are taken after it.
    const colsT = b.makeOutput([1, rows, K], "float32");
    const dyT = b.makeOutput([1, CO, rows], "float32");
    const xv = b.typedArrayFromHeap(x) as Float32Array;
    im2colNHWC(xv, info, n0, count, b.typedArrayFromHeap(colsT) as Float32Array);
    const dyv = b.typedArrayFromHeap(dy) as Float32Array;
    const dtv = b.typedArrayFromHeap(dyT) as Float32Array;
    const base = n0 * rowsPerImage * CO;
    for (let r = 0; r < rows; r++) {
      const src = base + r * CO;
      for (let c = 0; c < CO; c++) dtv[c * rows + r] = dyv[src + c];
    }
    const prod = matMul.kernelFunc({
      inputs: { a: dyT, b: colsT },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    // prod is CO×K; the filter gradient is K×CO ([fh, fw, ci, co] row-major).
    const pv = b.typedArrayFromHeap(prod) as Float32Array;
    for (let c = 0; c < CO; c++) for (let k = 0; k < K; k++) acc[k * CO + c] += pv[c * K + k];
    b.disposeData(prod.dataId);
    b.disposeData(colsT.dataId);
    b.disposeData(dyT.dataId);
  }
  return b.makeOutput(filterShape, "float32", undefined, Float32Array.from(acc));
};

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilterWasm,
};
