/**
 * Conv2DBackpropFilter for tfjs-backend-webgpu as a tiled, split-K GEMM.
 *
 * The stock webgpu kernel gives each of the fh·fw·Ci·Co filter taps one thread that loops over all
 * B·Ho·Wo output pixels: for the U-Net's first level (3×3×11×16 taps, K = 16·128·128 ≈ 262k) that is a
 * few hundred threads each doing a quarter of a million dependent multiply-adds. Here
 *
 *   dW[kh,kw,ci,co] = Σ_{b,y,x} X[b, y·s+kh−padTop, x·s+kw−padLeft, ci] · dY[b,y,x,co]   (NHWC, 0 outside)
 *
 * is a GEMM C = A·B with M = fh·fw·Ci (rows m = (kh·fw+kw)·Ci+ci, the filter's own memory order),
 * N = Co, K = B·Ho·Wo (k = (b·Ho+y)·Wo+x, dY's own order). Pass 1 gives each workgroup a 32×32 tile
 * of C and one slice of K (split-K): 16×16 threads stage 32×32 tiles of A (gathered from X on the fly,
 * im2col without materialising it) and B in workgroup memory and each accumulates 2×2 outputs; the
 * partial sums go to a [S, M, N] buffer. Pass 2 adds the S partial sums per output.
 */
import { backend_util, type DataType, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs";

/** The parts of tfjs-backend-webgpu's WebGPUProgram this module uses (see its webgpu_program.d.ts). */
interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size?: boolean;
  getUserCode: () => string;
}

type ProgramUniform = Array<{ type: "int32" | "float32" | "uint32"; data: number[] }>;

/** The parts of WebGPUBackend used here. */
interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], outputDtype: DataType, uniforms?: ProgramUniform): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const TILE = 32; // output tile edge (M and N) and K step per stage
const THREADS = 16; // workgroup is THREADS × THREADS; each thread owns (TILE/THREADS)² = 2×2 outputs

/** GEMM geometry for one call. */
export interface FilterGemmPlan {
  M: number;
  N: number;
  K: number;
  /** Number of K slices (pass-1 workgroups along z). */
  splits: number;
  /** K per slice, a multiple of TILE. */
  kPerSplit: number;
}

/**
 * Chooses the split-K factor: about `targetK` of K per workgroup, enough workgroups to fill a GPU,
 * bounded so the partial-sum buffer stays under `maxPartialBytes` and z stays under WebGPU's 65535.
 */
export function planFilterGemm(M: number, N: number, K: number, targetK = 1024, maxPartialBytes = 256 << 20): FilterGemmPlan {
  let splits = Math.max(1, Math.ceil(K / targetK));
  splits = Math.min(splits, Math.max(1, Math.floor(maxPartialBytes / (4 * M * N))), 65535);
  const kPerSplit = Math.ceil(Math.ceil(K / splits) / TILE) * TILE;
  splits = Math.ceil(K / kPerSplit);
  return { M, N, K, splits, kPerSplit };
}

class FilterGemmPartialProgram implements WebGpuProgram {
  variableNames = ["x", "dy"];
  outputShape: number[];
  shaderKey = "dlabConv2DDerFilterGemmPartial";
  dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  uniforms =
    "M : i32, N : i32, K : i32, kPerSplit : i32, tilesPerSplit : i32, inChannels : i32, filterWidth : i32, " +
    "outHeight : i32, outWidth : i32, inHeight : i32, inWidth : i32, strideH : i32, strideW : i32, padTop : i32, padLeft : i32,";

  constructor(plan: FilterGemmPlan) {
    this.outputShape = [plan.splits, plan.M, plan.N];
    this.dispatch = [Math.ceil(plan.N / TILE), Math.ceil(plan.M / TILE), plan.splits];
  }

  getUserCode(): string {
    return `
      var<workgroup> tileA : array<array<f32, ${TILE}>, ${TILE}>; // [k][m]
      var<workgroup> tileB : array<array<f32, ${TILE}>, ${TILE}>; // [k][n]

      // A[m, k] = X[b, y*s + kh - padTop, x*s + kw - padLeft, ci], zero outside X and past kEnd.
      fn loadA(m : i32, k : i32, kEnd : i32) -> f32 {
        if (m >= uniforms.M || k >= kEnd) {
          return 0.0;
        }
        let ci = m % uniforms.inChannels;
        let t = m / uniforms.inChannels;
        let kw = t % uniforms.filterWidth;
        let kh = t / uniforms.filterWidth;
        let xo = k % uniforms.outWidth;
        let t2 = k / uniforms.outWidth;
        let yo = t2 % uniforms.outHeight;
        let b = t2 / uniforms.outHeight;
        let r = yo * uniforms.strideH + kh - uniforms.padTop;
        let c = xo * uniforms.strideW + kw - uniforms.padLeft;
        if (r < 0 || r >= uniforms.inHeight || c < 0 || c >= uniforms.inWidth) {
          return 0.0;
        }
        return x[((b * uniforms.inHeight + r) * uniforms.inWidth + c) * uniforms.inChannels + ci];
      }

      // B[k, n] = dY[b, y, x, n] (dY's flat order is k * N + n).
      fn loadB(k : i32, n : i32, kEnd : i32) -> f32 {
        if (n >= uniforms.N || k >= kEnd) {
          return 0.0;
        }
        return dy[k * uniforms.N + n];
      }

      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let lid = ty * ${THREADS} + tx;
        let n0 = i32(workgroupId.x) * ${TILE};
        let m0 = i32(workgroupId.y) * ${TILE};
        let split = i32(workgroupId.z);
        let kBegin = split * uniforms.kPerSplit;
        let kEnd = min(kBegin + uniforms.kPerSplit, uniforms.K);

        var acc00 = 0.0;
        var acc01 = 0.0;
        var acc10 = 0.0;
        var acc11 = 0.0;
        // The loop bound comes from a uniform so the barriers stay in uniform control flow.
        for (var t = 0; t < uniforms.tilesPerSplit; t = t + 1) {
          let k0 = kBegin + t * ${TILE};
          for (var i = 0; i < ${(TILE * TILE) / (THREADS * THREADS)}; i = i + 1) {
            let e = lid + i * ${THREADS * THREADS};
            let row = e / ${TILE};
            let col = e % ${TILE};
            tileA[row][col] = loadA(m0 + col, k0 + row, kEnd);
            tileB[row][col] = loadB(k0 + row, n0 + col, kEnd);
          }
          workgroupBarrier();
          // Sum each stage separately, then into the running total: float32 error grows with the
          // length of a sequential sum, and this keeps both sums short (with split-K, ≤ ${TILE} terms and
          // kPerSplit / ${TILE} stages).
          var s00 = 0.0;
          var s01 = 0.0;
          var s10 = 0.0;
          var s11 = 0.0;
          for (var kk = 0; kk < ${TILE}; kk = kk + 1) {
            let a0 = tileA[kk][ty];
            let a1 = tileA[kk][ty + ${THREADS}];
            let b0 = tileB[kk][tx];
            let b1 = tileB[kk][tx + ${THREADS}];
            s00 = s00 + a0 * b0;
            s01 = s01 + a0 * b1;
            s10 = s10 + a1 * b0;
            s11 = s11 + a1 * b1;
          }
          acc00 = acc00 + s00;
          acc01 = acc01 + s01;
          acc10 = acc10 + s10;
          acc11 = acc11 + s11;
          workgroupBarrier();
        }

        let base = split * uniforms.M * uniforms.N;
        let mA = m0 + ty;
        let mB = m0 + ty + ${THREADS};
        let nA = n0 + tx;
        let nB = n0 + tx + ${THREADS};
        if (mA < uniforms.M && nA < uniforms.N) { setOutputAtIndex(base + mA * uniforms.N + nA, acc00); }
        if (mA < uniforms.M && nB < uniforms.N) { setOutputAtIndex(base + mA * uniforms.N + nB, acc01); }
        if (mB < uniforms.M && nA < uniforms.N) { setOutputAtIndex(base + mB * uniforms.N + nA, acc10); }
        if (mB < uniforms.M && nB < uniforms.N) { setOutputAtIndex(base + mB * uniforms.N + nB, acc11); }
      }
    `;
  }
}

class SplitKReduceProgram implements WebGpuProgram {
  variableNames = ["partial"];
  outputShape: number[];
  shaderKey = "dlabSplitKReduce";
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = "splits : i32,";
  size = true;

  constructor(outShape: number[]) {
    this.outputShape = outShape;
    this.dispatchLayout = { x: outShape.map((_, i) => i) };
    const size = outShape.reduce((a, b) => a * b, 1);
    const groups = Math.ceil(size / 64);
    // Same rule as tfjs' computeDispatch for a flat layout: spill past 65535 into y.
    this.dispatch = groups > 65535 ? [65535, Math.ceil(groups / 65535), 1] : [groups, 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var s = 0; s < uniforms.splits; s = s + 1) {
            sum = sum + partial[s * uniforms.size + index];
          }
          setOutputAtIndex(index, sum);
        }
      }
    `;
  }
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

export const conv2DBackpropFilterWebgpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as BackpropFilterAttrs;
  if (a.dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter (webgpu GEMM): only NHWC is supported");
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error(`Conv2DBackpropFilter (webgpu GEMM): float32 inputs expected, got ${x.dtype}/${dy.dtype}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
  const M = info.filterHeight * info.filterWidth * info.inChannels;
  const N = info.outChannels;
  const K = info.batchSize * info.outHeight * info.outWidth;
  const plan = planFilterGemm(M, N, K);
  const gpu = backend as unknown as WebGpuBackendLike;
  const ints = [
    M,
    N,
    K,
    plan.kPerSplit,
    plan.kPerSplit / TILE,
    info.inChannels,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.inHeight,
    info.inWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  // One scalar per uniform field, in the order of FilterGemmPartialProgram.uniforms.
  const uniforms: ProgramUniform = ints.map((v) => ({ type: "int32", data: [v] }));
  const partial = gpu.runWebGPUProgram(new FilterGemmPartialProgram(plan), [x, dy], "float32", uniforms);
  const out = gpu.runWebGPUProgram(new SplitKReduceProgram([...info.filterShape]), [partial], "float32", [
    { type: "int32", data: [plan.splits] },
  ]);
  gpu.disposeData(partial.dataId);
  return out;
};

export const conv2DBackpropFilterWebgpuConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "webgpu",
  kernelFunc: conv2DBackpropFilterWebgpu,
};
