/**
 * `npm run bench -- engine [--batches=8,16] [--steps=2] [--size=128] [--stock-batches=8] [--no-torch] [--gemm=1024]`
 *
 * The CPU engine (src/engine) against stock TensorFlow.js wasm and PyTorch CPU on the same machine:
 * - GEMM GFLOP/s (engine, 1 thread and all threads; tfjs-backend-wasm matMul, XNNPACK, 1 thread in Node);
 * - ms per U-Net training step (the paper's 1,942,257-parameter U-Net, 128×128×11, forward + BCE + backward
 *   + Adam) on wasm with the engine's kernels, on stock wasm (where it can train: it needs a
 *   Conv2DBackpropFilter, taken from src/landslide/kernels when that module is present), and in PyTorch
 *   (2 threads) when `/usr/bin/python3 -c "import torch"` works; ratios to PyTorch.
 * The U-Net is built here (same architecture as src/landslide/unet.ts) so this benchmark stands alone.
 * Timings on a machine shared with other jobs are noisy: the record carries the load average.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { arg, median } from "./lib/util";
import { Engine, getEngine } from "../src/engine/engine";
import { fastDropout } from "../src/engine/dropout";
import { registerFastKernels } from "../src/engine/kernels";
import { gemm } from "../src/engine/ops";
import { projectRoot } from "../src/core/project";

const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

/** Dropout drawing its masks with the engine (`fastDropout`), a new seed per call, as a model would use it. */
class EngineDropout extends tf.layers.Layer {
  static className = "EngineDropout";
  private calls = 0;
  constructor(
    private readonly rate: number,
    private readonly engine: Engine,
    private readonly seed: number,
  ) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training) return x;
    return fastDropout(this.engine, x, this.rate, this.seed * 7919 + this.calls++);
  }
}

/**
 * The Zigui U-Net (Fig 1): 16-32-64-128-256, conv3×3 ReLU he-normal, dropout, 2×2 pools, 2×2/2 transposed
 * convs. With `engine`, dropout masks come from `fastDropout` instead of tf.dropout's JavaScript generator.
 */
export function buildPaperUNet(size = 128, channels = 11, engine?: Engine): tf.LayersModel {
  const filters = [16, 32, 64, 128, 256];
  const encDrop = [0.1, 0.1, 0.2, 0.2, 0.3];
  const decDrop = [0.2, 0.2, 0.1, 0.1];
  const conv = (f: number) => tf.layers.conv2d({ filters: f, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: "heNormal" });
  const input = tf.input({ shape: [size, size, channels] });
  let x: tf.SymbolicTensor = input;
  const skips: tf.SymbolicTensor[] = [];
  filters.forEach((f, i) => {
    x = conv(f).apply(x) as tf.SymbolicTensor;
    x = (engine ? new EngineDropout(encDrop[i], engine, i) : tf.layers.dropout({ rate: encDrop[i] })).apply(x) as tf.SymbolicTensor;
    x = conv(f).apply(x) as tf.SymbolicTensor;
    if (i < filters.length - 1) {
      skips.push(x);
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    }
  });
  decDrop.forEach((rate, j) => {
    const f = filters[filters.length - 2 - j];
    const up = tf.layers.conv2dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: "same" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate().apply([up, skips.pop()!]) as tf.SymbolicTensor;
    x = conv(f).apply(x) as tf.SymbolicTensor;
    x = (engine ? new EngineDropout(rate, engine, 10 + j) : tf.layers.dropout({ rate })).apply(x) as tf.SymbolicTensor;
    x = conv(f).apply(x) as tf.SymbolicTensor;
  });
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: "sigmoid" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

export async function timeSteps(batch: number, size: number, steps: number, warmup: boolean, engine?: Engine): Promise<number[]> {
  const model = buildPaperUNet(size, 11, engine);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "binaryCrossentropy" });
  const x = tf.randomUniform([batch, size, size, 11], 0, 1, "float32", 1);
  const y = tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, "float32", 2), 0.9), "float32");
  if (warmup) await model.trainOnBatch(x, y);
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    ms.push(performance.now() - t0);
  }
  tf.dispose([x, y]);
  model.dispose();
  return ms;
}

function gflops(m: number, n: number, k: number, ms: number): number {
  return round((2 * m * n * k) / ms / 1e6);
}

export async function gemmBench(size: number): Promise<object> {
  const a = new Float32Array(size * size).map(() => Math.random() - 0.5);
  const b = new Float32Array(size * size).map(() => Math.random() - 0.5);
  const out: Record<string, number | string> = { shape: `${size}×${size}×${size}` };
  const shared = await getEngine();
  const variants: [string, Engine][] = [["engine all threads", shared]];
  const one = await Engine.create({ threads: 1, simd: shared.info.simd });
  variants.push(["engine 1 thread", one]);
  const plain = await Engine.create({ threads: 1, simd: "plain" });
  variants.push(["engine 1 thread plain SIMD", plain]);
  for (const [name, e] of variants) {
    gemm(e, a, b, size, size, size);
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      gemm(e, a, b, size, size, size);
      ms.push(performance.now() - t0);
    }
    out[`${name} (${e.info.simd}, ${e.threads}t) GFLOP/s`] = gflops(size, size, size, median(ms));
  }
  await one.close();
  await plain.close();
  await tf.setBackend("wasm");
  const ta = tf.tensor2d(a, [size, size]);
  const tb = tf.tensor2d(b, [size, size]);
  tf.matMul(ta, tb).dispose();
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c = tf.matMul(ta, tb);
    c.dataSync();
    ms.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([ta, tb]);
  out["tfjs wasm matMul (XNNPACK, 1 thread) GFLOP/s"] = gflops(size, size, size, median(ms));
  return out;
}

const TORCH_STEP = `
import json, sys, time, torch, torch.nn as nn
F=[16,32,64,128,256]; ED=[0.1,0.1,0.2,0.2,0.3]; DD=[0.2,0.2,0.1,0.1]
def block(i,o,p): return nn.Sequential(nn.Conv2d(i,o,3,padding=1), nn.ReLU(inplace=True), nn.Dropout(p), nn.Conv2d(o,o,3,padding=1), nn.ReLU(inplace=True))
class UNet(nn.Module):
    def __init__(s, ch=11):
        super().__init__(); s.enc=nn.ModuleList(); c=ch
        for f,p in zip(F,ED): s.enc.append(block(c,f,p)); c=f
        s.up=nn.ModuleList(); s.dec=nn.ModuleList()
        for j,p in zip(range(len(F)-2,-1,-1),DD):
            f=F[j]; s.up.append(nn.ConvTranspose2d(c,f,2,stride=2)); s.dec.append(block(2*f,f,p)); c=f
        s.head=nn.Conv2d(c,1,1); s.pool=nn.MaxPool2d(2)
    def forward(s,x):
        sk=[]
        for i,e in enumerate(s.enc):
            x=e(x)
            if i<len(s.enc)-1: sk.append(x); x=s.pool(x)
        for u,d in zip(s.up,s.dec): x=d(torch.cat([u(x),sk.pop()],1))
        return torch.sigmoid(s.head(x))
b,size,th,steps=(int(v) for v in sys.argv[1:5]); torch.set_num_threads(th); torch.manual_seed(0)
m=UNet(); opt=torch.optim.Adam(m.parameters(),lr=1e-3,eps=1e-7); lf=nn.BCELoss()
x=torch.rand(b,11,size,size); y=(torch.rand(b,1,size,size)>0.9).float()
def step():
    opt.zero_grad(); l=lf(m(x),y); l.backward(); opt.step()
step(); ts=[]
for _ in range(steps):
    t=time.perf_counter(); step(); ts.append((time.perf_counter()-t)*1000)
ts.sort(); print(json.dumps({"msPerStep": ts[len(ts)//2], "all": ts, "params": sum(p.numel() for p in m.parameters()), "torch": torch.__version__, "threads": th}))
`;

export function torchStep(batch: number, size: number, steps: number): Record<string, unknown> {
  const py = process.env.DLAB_PYTHON ?? "/usr/bin/python3";
  const probe = spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return { error: "PyTorch not installed for /usr/bin/python3 (apt-get install python3-torch)" };
  const r = spawnSync(py, ["-c", TORCH_STEP, String(batch), String(size), "2", String(steps)], { encoding: "utf8" });
  if (r.status !== 0) return { error: r.stderr.trim().split("\n").slice(-3).join(" ") };
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
}

/** Registers the landslide module's wasm Conv2DBackpropFilter (stock wasm has none) when it exists. */
async function stockWasmTrainable(): Promise<string | null> {
  const file = join(projectRoot(), "src", "landslide", "kernels", "index.ts");
  if (!existsSync(file)) return null;
  const mod = (await import(pathToFileURL(file).href)) as { registerWasmKernels?: () => void };
  if (!mod.registerWasmKernels) return null;
  mod.registerWasmKernels();
  return "stock tfjs-backend-wasm + src/landslide/kernels (im2col filter gradient)";
}

export async function run(args: string[] = []): Promise<object> {
  const batches = (arg(args, "batches") ?? "8,16").split(",").map(Number);
  const stockBatches = (arg(args, "stock-batches") ?? "8").split(",").filter(Boolean).map(Number);
  const steps = Number(arg(args, "steps") ?? 2);
  const size = Number(arg(args, "size") ?? 128);
  const load0 = loadavg()[0];
  const result: Record<string, unknown> = {};
  result.gemm = await gemmBench(Number(arg(args, "gemm") ?? 1024));
  process.stderr.write(`  gemm: ${JSON.stringify(result.gemm)}\n`);

  const params = buildPaperUNet(size).countParams();
  const timings: { config: string; batch: number; msPerStep: number; all: number[] }[] = [];
  await tf.setBackend("wasm");
  const stock = stockBatches.length > 0 ? await stockWasmTrainable() : null;
  if (stock) {
    for (const batch of stockBatches) {
      const ms = await timeSteps(batch, size, 1, false);
      timings.push({ config: stock, batch, msPerStep: Math.round(median(ms)), all: ms.map(Math.round) });
      process.stderr.write(`  stock wasm batch ${batch}: ${Math.round(median(ms))} ms/step\n`);
    }
  }
  await registerFastKernels("wasm");
  const e = await getEngine();
  const engineConfig = `tfjs wasm + engine kernels (${e.info.simd} SIMD, ${e.threads} threads)`;
  for (const batch of batches) {
    const ms = await timeSteps(batch, size, steps, true);
    timings.push({ config: engineConfig, batch, msPerStep: Math.round(median(ms)), all: ms.map(Math.round) });
    process.stderr.write(`  engine batch ${batch}: ${Math.round(median(ms))} ms/step\n`);
    const msd = await timeSteps(batch, size, steps, true, e);
    timings.push({ config: `${engineConfig} + engine dropout`, batch, msPerStep: Math.round(median(msd)), all: msd.map(Math.round) });
    process.stderr.write(`  engine + engine dropout batch ${batch}: ${Math.round(median(msd))} ms/step\n`);
  }
  const torch: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  if (!args.includes("--no-torch")) {
    for (const batch of batches) {
      const t = torchStep(batch, size, Math.max(3, steps));
      torch[`batch${batch}`] = t;
      process.stderr.write(`  torch batch ${batch}: ${JSON.stringify(t)}\n`);
      if (typeof t.msPerStep === "number") {
        for (const tm of timings.filter((x) => x.batch === batch)) ratios[`${tm.config} / PyTorch CPU 2 threads, batch ${batch}`] = round(tm.msPerStep / t.msPerStep, 2);
      }
    }
  }
  return {
    model: { params, architecture: "16-32-64-128-256 U-Net (Zigui Fig 1)", input: `${size}×${size}×11` },
    step: "forward + BCE + backward + Adam (tfjs-layers trainOnBatch; PyTorch loss.backward + opt.step)",
    ...result,
    timings,
    pytorchCpu2Threads: torch,
    ratios,
    loadAverage: { start: round(load0, 2), end: round(loadavg()[0], 2) },
    notes: [
      "The machine's 2 cores are shared with other jobs while this runs: compare ratios within one record, and expect noise.",
      stock ? "" : "Stock wasm step not measured: tfjs-backend-wasm has no Conv2DBackpropFilter and src/landslide/kernels is not on this branch.",
    ].filter(Boolean),
  };
}
