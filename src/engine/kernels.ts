/**
 * The engine plugged into TensorFlow.js as kernels of the stock `wasm` and `cpu` backends, so the U-Net
 * builder and the training loop stay as they are: `await registerFastKernels(tf.getBackend())` after
 * `tf.setBackend(...)` and before training.
 *
 * Replaced: Conv2D, FusedConv2D (bias + ReLU fused in the GEMM's store), Conv2DBackpropInput (which is also the
 * forward pass of conv2dTranspose), Conv2DBackpropFilter (missing in tfjs-backend-wasm), MaxPool, MaxPoolGrad.
 * Attributes the engine does not cover (dilation, NCHW, PReLU/ELU/leaky activations, non-float32 inputs)
 * go to the kernel that was registered before ours. Tensors are copied between the backend's memory and the
 * engine's shared memory at each call; that is O(size) against the O(size·K) of a convolution.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  util,
  type DataId,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { getEngine, type Engine } from "./engine";
import { columnSum, conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, maxPool, maxPoolGrad, type Activation, type ConvGeometry, type OutFn, type PoolGeometry } from "./ops";

export type FastBackend = "wasm" | "webgpu" | "cpu";

/** The kernels this module registers on the CPU backends (Identity on wasm only: cpu's is already free). */
export const FAST_KERNEL_NAMES = ["Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPool", "MaxPoolGrad", "Sum", "Identity", "Concat", "SplitV"] as const;
type FastKernelName = (typeof FAST_KERNEL_NAMES)[number];

/** Replacements of wasm kernels that copy through JS (no engine involved; cpu's are fine as they are). */
const WASM_ONLY: readonly FastKernelName[] = ["Identity", "Concat", "SplitV"];

/** Kernel names registered for `backend`. */
export function fastKernelNames(backend: "wasm" | "cpu"): FastKernelName[] {
  return FAST_KERNEL_NAMES.filter((n) => backend === "wasm" || !WASM_ONLY.includes(n));
}

/** What the kernels need of a backend: `wasm` (heap views, makeOutput) or `cpu` (readSync, makeTensorInfo). */
interface BackendIO {
  readSync(dataId: DataId): unknown;
  incRef(dataId: DataId): void;
  makeTensorInfo?(shape: number[], dtype: "float32", values?: Float32Array): TensorInfo;
  makeOutput?(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap?(t: TensorInfo): Float32Array;
}

/** The wasm backend's own view of a tensor's memory (any numeric dtype). */
function heapView(backend: BackendIO, t: TensorInfo): HeapArray {
  const v = (backend.typedArrayFromHeap as unknown as (t: TensorInfo) => HeapArray)(t);
  return v;
}

type HeapArray = Float32Array | Int32Array | Uint8Array;

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

class Unsupported extends Error {}

function input(backend: BackendIO, t: TensorInfo | undefined, what: string): Float32Array {
  if (!t) throw new Error(`engine kernel: missing input ${what}`);
  if (t.dtype !== "float32") throw new Unsupported(`${what} is ${t.dtype}`);
  const v = backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) throw new Unsupported(`${what} values are not a Float32Array`);
  return v;
}

/** Output allocation per backend; for wasm, a view of the new tensor's heap memory (no extra copy). */
function output(backend: BackendIO, shape: number[]): { out: OutFn; info: () => TensorInfo } {
  let info: TensorInfo | undefined;
  let values: Float32Array | undefined;
  return {
    out: (n: number) => {
      if (backend.makeOutput && backend.typedArrayFromHeap) {
        info = backend.makeOutput(shape, "float32");
        values = backend.typedArrayFromHeap(info);
      } else {
        values = new Float32Array(n);
      }
      return values;
    },
    info: () => {
      if (info) return info;
      if (!values || !backend.makeTensorInfo) throw new Error("engine kernel: backend has neither makeOutput nor makeTensorInfo");
      return backend.makeTensorInfo(shape, "float32", values);
    },
  };
}

/** The window fields shared by convolution and pooling geometry. */
function windowGeometry(info: backend_util.Conv2DInfo): Omit<ConvGeometry, "inChannels" | "outChannels"> {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) throw new Unsupported("dilated convolution");
  if (info.dataFormat !== "channelsLast") throw new Unsupported("NCHW data format");
  return { ...windowGeometry(info), inChannels: info.inChannels, outChannels: info.outChannels };
}

function poolGeometry(info: backend_util.Conv2DInfo): PoolGeometry {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) throw new Unsupported("dilated pooling");
  return { ...windowGeometry(info), channels: info.inChannels };
}

type Attr = NamedAttrMap[string];
const num2 = (v: Attr): [number, number] | number => v as unknown as [number, number] | number;
const padAttr = (v: Attr): "valid" | "same" | number | backend_util.ExplicitPadding => v as unknown as "valid" | "same" | number;
const rounding = (v: Attr): "floor" | "round" | "ceil" | undefined => (v ?? undefined) as "floor" | "round" | "ceil" | undefined;
const format = (v: Attr): "NHWC" | "NCHW" => ((v as string | undefined) ?? "NHWC") as "NHWC" | "NCHW";

function need(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`engine kernel: missing input ${name}`);
  return t;
}

type EngineKernel = (e: Engine, backend: BackendIO, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo | TensorInfo[];

/**
 * Copies `len` elements; a plain loop for short runs, where stock wasm's one `subarray().set()` per run
 * (per pixel, when concatenating along channels) costs more in call overhead than the copy.
 */
function copyRun(src: HeapArray, s: number, dst: HeapArray, d: number, len: number): void {
  if (len >= 64) {
    dst.set(src.subarray(s, s + len), d);
    return;
  }
  for (let i = 0; i < len; i++) dst[d + i] = src[s + i];
}

/** tfjs's geometry of a convolution from its input and filter shapes and the kernel's attributes. */
function geometryOf(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: NamedAttrMap,
  dilations: number | number[] = 1,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    num2(attrs.strides),
    num2(dilations),
    padAttr(attrs.pad),
    rounding(attrs.dimRoundingMode),
    false,
    backend_util.convertConv2DDataFormat(format(attrs.dataFormat)),
  );
}

const conv2d: EngineKernel = (e, backend, inputs, attrs) => {
  const x = need(inputs, "x");
  const filter = need(inputs, "filter");
  const bias = inputs.bias;
  const act = attrs.activation ?? "linear";
  if (act !== "linear" && act !== "relu" && act !== "sigmoid") throw new Unsupported(`activation ${String(act)}`);
  if (inputs.preluActivationWeights) throw new Unsupported("PReLU weights");
  const activation = act as Activation;
  const info = geometryOf(x.shape, filter.shape, attrs, attrs.dilations as number | number[] | undefined);
  const g = convGeometry(info);
  if (bias && util.sizeFromShape(bias.shape) !== g.outChannels) throw new Unsupported("broadcast bias");
  const xv = input(backend, x, "x");
  const wv = input(backend, filter, "filter");
  const bv = bias ? input(backend, bias, "bias") : undefined;
  const o = output(backend, info.outShape);
  conv2dForward(e, xv, wv, g, { bias: bv, activation, out: o.out });
  return o.info();
};

const conv2dBackpropInputKernel: EngineKernel = (e, backend, inputs, attrs) => {
  const dy = need(inputs, "dy");
  const filter = need(inputs, "filter");
  const inputShape = attrs.inputShape as unknown as [number, number, number, number];
  const info = geometryOf(inputShape, filter.shape, attrs);
  const g = convGeometry(info);
  const dyv = input(backend, dy, "dy");
  const wv = input(backend, filter, "filter");
  const o = output(backend, [...inputShape]);
  conv2dBackpropInput(e, dyv, wv, g, { out: o.out });
  return o.info();
};

const conv2dBackpropFilterKernel: EngineKernel = (e, backend, inputs, attrs) => {
  const x = need(inputs, "x");
  const dy = need(inputs, "dy");
  const filterShape = attrs.filterShape as unknown as [number, number, number, number];
  const info = geometryOf(x.shape, filterShape, attrs);
  const g = convGeometry(info);
  const xv = input(backend, x, "x");
  const dyv = input(backend, dy, "dy");
  const o = output(backend, [...filterShape]);
  conv2dBackpropFilter(e, xv, dyv, g, { out: o.out });
  return o.info();
};

function poolInfo(shape: number[], attrs: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    num2(attrs.filterSize),
    num2(attrs.strides),
    1,
    padAttr(attrs.pad),
    rounding(attrs.dimRoundingMode),
  );
}

const maxPoolKernel: EngineKernel = (e, backend, inputs, attrs) => {
  const x = need(inputs, "x");
  const info = poolInfo(x.shape, attrs);
  const g = poolGeometry(info);
  const xv = input(backend, x, "x");
  const o = output(backend, info.outShape);
  maxPool(e, xv, g, { out: o.out });
  return o.info();
};

const maxPoolGradKernel: EngineKernel = (e, backend, inputs, attrs) => {
  const dy = need(inputs, "dy");
  const x = need(inputs, "input");
  const info = poolInfo(x.shape, attrs);
  const g = poolGeometry(info);
  const dyv = input(backend, dy, "dy");
  const xv = input(backend, x, "input");
  const o = output(backend, [...x.shape]);
  maxPoolGrad(e, dyv, xv, g, { out: o.out });
  return o.info();
};

/**
 * Sum over every axis but the last (the bias gradient, which stock wasm computes by transposing the whole
 * tensor first): one column-sum pass. Other reductions go to the previous kernel.
 */
const sumKernel: EngineKernel = (e, backend, inputs, attrs) => {
  const x = need(inputs, "x");
  const rank = x.shape.length;
  if (rank < 2) throw new Unsupported("rank < 2");
  const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  if (axes.length !== rank - 1 || axes.some((a, i) => a !== i)) throw new Unsupported("reduction other than over all leading axes");
  const cols = x.shape[rank - 1];
  const rows = util.sizeFromShape(x.shape) / cols;
  const xv = input(backend, x, "x");
  const shape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
  const o = output(backend, shape);
  columnSum(e, xv, rows, cols, { out: o.out });
  return o.info();
};

/** Identity without a copy (stock wasm copies; tensors are immutable, and Reshape already shares data). */
const identityKernel: EngineKernel = (_e, backend, inputs) => {
  const x = need(inputs, "x");
  if (x.dtype === "string") throw new Unsupported("string tensor");
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Concat (wasm) as 2-D row interleaving: [outer × inner_i] blocks, rows copied by `copyRun`. */
const concatKernel: EngineKernel = (_e, backend, inputs, attrs) => {
  const list = Object.keys(inputs)
    .map((k) => inputs[k])
    .filter((t): t is TensorInfo => t !== undefined);
  if (list.length === 0) throw new Unsupported("no inputs");
  if (list.some((t) => t.dtype === "string" || t.dtype === "complex64")) throw new Unsupported("string/complex tensors");
  if (!backend.makeOutput) throw new Unsupported("not the wasm backend");
  const axis = util.parseAxisParam(attrs.axis as number, list[0].shape)[0];
  const nonEmpty = list.filter((t) => util.sizeFromShape(t.shape) > 0);
  const outShape = backend_util.computeOutShape(list.map((t) => t.shape), axis);
  if (nonEmpty.length < 2) throw new Unsupported("fewer than two non-empty inputs");
  const out = (backend.makeOutput as unknown as (s: number[], d: string) => TensorInfo)(outShape, list[0].dtype);
  const outer = util.sizeFromShape(list[0].shape.slice(0, axis));
  const inner = nonEmpty.map((t) => util.sizeFromShape(t.shape.slice(axis)));
  const total = inner.reduce((a, b) => a + b, 0);
  const views = nonEmpty.map((t) => heapView(backend, t));
  const dst = heapView(backend, out);
  for (let i = 0, off = 0; i < views.length; off += inner[i], i++) {
    const len = inner[i];
    const src = views[i];
    for (let b = 0; b < outer; b++) copyRun(src, b * len, dst, b * total + off, len);
  }
  return out;
};

/** SplitV (wasm): outputs allocated first (allocation may move the heap), then one pass per output. */
const splitVKernel: EngineKernel = (_e, backend, inputs, attrs) => {
  const x = need(inputs, "x");
  if (x.dtype === "string" || x.dtype === "complex64") throw new Unsupported("string/complex tensor");
  if (!backend.makeOutput) throw new Unsupported("not the wasm backend");
  const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0], attrs.numOrSizeSplits as number | number[], axis);
  const outs = sizes.map((sz) => {
    const shape = [...x.shape];
    shape[axis] = sz;
    return (backend.makeOutput as unknown as (s: number[], d: string) => TensorInfo)(shape, x.dtype);
  });
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const innerOf = (sz: number): number => sz * util.sizeFromShape(x.shape.slice(axis + 1));
  const total = innerOf(x.shape[axis]);
  const src = heapView(backend, x);
  for (let i = 0, off = 0; i < outs.length; off += innerOf(sizes[i]), i++) {
    const len = innerOf(sizes[i]);
    if (len === 0) continue;
    const dst = heapView(backend, outs[i]);
    for (let b = 0; b < outer; b++) copyRun(src, b * total + off, dst, b * len, len);
  }
  return outs;
};

const IMPLEMENTATIONS: Record<FastKernelName, EngineKernel> = {
  Conv2D: conv2d,
  FusedConv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
  MaxPool: maxPoolKernel,
  MaxPoolGrad: maxPoolGradKernel,
  Sum: sumKernel,
  Identity: identityKernel,
  Concat: concatKernel,
  SplitV: splitVKernel,
};

/** Kernel functions we registered, by backend and name (to recognise them, i.e. idempotence). */
const registered = new Map<string, KernelFunc>();

function makeKernel(name: FastKernelName, e: Engine, fallback: KernelFunc | undefined): KernelFunc {
  const impl = IMPLEMENTATIONS[name];
  const fn = (args: KernelArgs): TensorInfo | TensorInfo[] => {
    try {
      return impl(e, args.backend as BackendIO, args.inputs, args.attrs ?? {});
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      if (!fallback) throw new Error(`engine kernel ${name}: ${err.message} is not supported and no other ${name} kernel is registered`);
      return fallback(args as Parameters<KernelFunc>[0]) as TensorInfo | TensorInfo[];
    }
  };
  return fn as unknown as KernelFunc;
}

/**
 * Registers the engine's kernels for `backend` (idempotent; returns the kernel names it registered or that
 * were already ours). `cpu` and `wasm` get the WASM SIMD multi-threaded kernels; `webgpu` gets none yet
 * (its GPU kernels are not part of this engine), so it returns [] there.
 */
export async function registerFastKernels(backend: FastBackend): Promise<string[]> {
  if (backend === "webgpu") return [];
  if (backend !== "wasm" && backend !== "cpu") throw new Error(`registerFastKernels: unknown backend "${String(backend)}" (wasm, cpu or webgpu)`);
  const e = await getEngine();
  const names: string[] = [];
  for (const name of fastKernelNames(backend)) {
    const key = `${backend}/${name}`;
    const current = getKernel(name, backend);
    if (current && current.kernelFunc === registered.get(key)) {
      names.push(name);
      continue;
    }
    const fn = makeKernel(name, e, current?.kernelFunc);
    if (current) unregisterKernel(name, backend);
    const config: KernelConfig = { kernelName: name, backendName: backend, kernelFunc: fn };
    registerKernel(config);
    registered.set(key, fn);
    names.push(name);
  }
  return names;
}

/** Whether `name` on `backend` is currently the engine's kernel. */
export function isFastKernel(backend: FastBackend, name: string): boolean {
  const k = getKernel(name, backend);
  return k !== undefined && k.kernelFunc === registered.get(`${backend}/${name}`);
}
