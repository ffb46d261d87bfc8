/**
 * `npm run bench -- gpu [--batches=8,16,32] [--steps=10] [--size=128] [--no-torch] [--stock] [--profile]`
 *
 * Milliseconds per training step of the paper's U-Net (1,942,257 parameters, 128×128×11; forward, BCE,
 * backward, Adam) on the GPU engine (src/engine/gpu, WebGPU through Dawn), the loss read back every step:
 * with the batch uploaded each step or kept on the GPU (as train() does when the data set fits), each
 * step waiting for its loss or with one step in flight (as train() runs); `--stock` adds tfjs-backend-webgpu
 * with our filter-gradient kernel (the path before the engine); and PyTorch on CUDA in the same run when
 * `python3 -c "import torch; torch.cuda.is_available()"` holds, both with its defaults (TF32 convolutions
 * allowed by cuDNN) and in strict fp32, as ratios. `--profile` times each dispatch of a step alone.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../src/core/project";
import { requestGpu } from "../src/engine/gpu/device";
import { GpuUNet } from "../src/engine/gpu/unet";
import { PAPER_UNET } from "../src/landslide/unet";
import { arg, median } from "./lib/util";

function pseudo(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 16777216;
  }
  return out;
}

function torchCuda(batch: number, size: number, steps: number, tf32: boolean): Record<string, unknown> {
  const py = process.env.DLAB_PYTHON ?? "python3";
  const r = spawnSync(py, [join(projectRoot(), "bench", "unet-torch.py"), "step", String(batch), String(size), "4", String(steps), "cuda"], {
    encoding: "utf8",
    env: { ...process.env, DLAB_TORCH_TF32: tf32 ? "1" : "0" },
  });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-3).join(" ") };
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

export async function run(args: string[] = []): Promise<object> {
  const batches = (arg(args, "batches") ?? "8,16,32").split(",").map(Number);
  const steps = Number(arg(args, "steps") ?? 10);
  const size = Number(arg(args, "size") ?? 128);
  const ctx = await requestGpu(args.includes("--software"));
  if (!ctx) return { error: "no hardware WebGPU adapter (npm webgpu / Dawn); pass --software to time a CPU-emulated one" };
  // Round trip of an empty submission and a 16-byte readback: the floor of a step that waits for its loss.
  const rt: number[] = [];
  for (let i = 0; i < 20; i++) {
    const b = ctx.device.createBuffer({ size: 16, usage: 0x01 | 0x08 });
    const t0 = performance.now();
    ctx.device.queue.submit([]);
    await b.mapAsync(1);
    rt.push(performance.now() - t0);
    b.destroy();
  }
  const roundTripMs = Math.round(median(rt) * 1000) / 1000;
  const engine: Record<string, unknown>[] = [];
  const profiles: Record<string, unknown> = {};
  for (const batch of batches) {
    const t0 = performance.now();
    const net = await GpuUNet.create(ctx.device, { ...PAPER_UNET, inputSize: size }, { batch, size, learningRate: 1e-3 });
    const buildMs = performance.now() - t0;
    const x = pseudo(batch * size * size * 11, 1);
    const y = Float32Array.from(pseudo(batch * size * size, 2), (v) => (v > 0.9 ? 1 : 0));
    net.setWeights((n) => {
      const l = net.layers.find((q) => n.startsWith(`${q.name}/`))!;
      const fanIn = l.kind === "conv" ? l.k * l.k * l.cin : l.cin;
      return n.endsWith("/bias") ? new Float32Array(l.cout) : Float32Array.from(pseudo(l.bOff - l.wOff, n.length), (v) => (v - 0.5) * Math.sqrt(12 * (2 / fanIn)));
    });
    for (let i = 0; i < 3; i++) await net.trainStep(x, y, batch, i);
    const ms: number[] = [];
    let loss = 0;
    for (let i = 0; i < steps; i++) {
      const s0 = performance.now();
      loss = (await net.trainStep(x, y, batch, 100 + i)).loss;
      ms.push(performance.now() - s0);
    }
    // Training-loop throughput with one step in flight (the next batch is queued before the last is read).
    const p0 = performance.now();
    let prev: Promise<unknown> | null = null;
    for (let i = 0; i < steps; i++) {
      const cur = net.trainStep(x, y, batch, 200 + i);
      if (prev) await prev;
      prev = cur;
    }
    await prev;
    const pipelined = (performance.now() - p0) / steps;
    // The same with the batch kept on the GPU (train() does this when the data set fits): no upload.
    const ds = await net.uploadDataset(x, y, batch);
    const all = Array.from({ length: batch }, (_, i) => i);
    const resident: number[] = [];
    let residentPipelined = NaN;
    if (ds) {
      for (let i = 0; i < steps; i++) {
        const s0 = performance.now();
        await net.trainStepOn(ds, all, 300 + i);
        resident.push(performance.now() - s0);
      }
      const r0 = performance.now();
      let prevR: Promise<unknown> | null = null;
      for (let i = 0; i < steps; i++) {
        const cur = net.trainStepOn(ds, all, 400 + i);
        if (prevR) await prevR;
        prevR = cur;
      }
      await prevR;
      residentPipelined = (performance.now() - r0) / steps;
    }
    engine.push({ batch, msPerStep: Math.round(median(ms) * 100) / 100, msPerStepPipelined: Math.round(pipelined * 100) / 100,
      msPerStepResident: resident.length ? Math.round(median(resident) * 100) / 100 : null,
      msPerStepResidentPipelined: Number.isFinite(residentPipelined) ? Math.round(residentPipelined * 100) / 100 : null, all: ms.map((v) => Math.round(v * 10) / 10), buildMs: Math.round(buildMs), dispatches: net.dispatchesPerStep, lastLoss: loss });
    process.stderr.write(`  gpu engine batch ${batch}: ${median(ms).toFixed(2)} ms/step, ${pipelined.toFixed(2)} pipelined, ${resident.length ? median(resident).toFixed(2) : "–"} / ${residentPipelined.toFixed(2)} with the data on the GPU (${net.dispatchesPerStep} dispatches, build ${Math.round(buildMs)} ms)\n`);
    if (args.includes("--profile") && batch === Math.max(...batches)) {
      const p = await net.profile(10);
      const total = p.reduce((s, o) => s + o.ms, 0);
      profiles[`batch${batch}`] = { sumMs: Math.round(total * 100) / 100, ops: p.map((o) => ({ ...o, ms: Math.round(o.ms * 1000) / 1000 })) };
    }
    net.destroy();
  }
  const stock: Record<string, unknown>[] = [];
  if (args.includes("--stock")) {
    const { timeSteps } = await import("./lib/tfjs-step");
    const { selectBackend } = await import("../src/landslide/backend");
    const info = await selectBackend({ backend: "webgpu" });
    for (const batch of batches) {
      const r = await timeSteps(batch, size, Math.min(steps, 5), false);
      stock.push({ batch, detail: info.detail, msPerStep: Math.round(median(r.ms)), all: r.ms.map(Math.round) });
      process.stderr.write(`  tfjs webgpu batch ${batch}: ${Math.round(median(r.ms))} ms/step\n`);
    }
  }
  const torch: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  if (!args.includes("--no-torch")) {
    for (const batch of batches) {
      for (const tf32 of [true, false]) {
        const t = torchCuda(batch, size, Math.max(10, steps), tf32);
        const key = `batch${batch}${tf32 ? "" : " strict-fp32"}`;
        torch[key] = t;
        const e = engine.find((r) => r.batch === batch);
        if (typeof t.msPerStep === "number" && e) {
          const r = (v: unknown): number => Math.round(((v as number) / (t.msPerStep as number)) * 100) / 100;
          const tag = `torch-cuda${tf32 ? "" : "-fp32"} batch ${batch}`;
          ratios[`engine/${tag}`] = r(e.msPerStep);
          ratios[`engine in flight/${tag}`] = r(e.msPerStepPipelined);
          if (e.msPerStepResident !== null) ratios[`engine, data on GPU/${tag}`] = r(e.msPerStepResident);
          if (e.msPerStepResidentPipelined !== null) ratios[`engine, data on GPU, in flight/${tag}`] = r(e.msPerStepResidentPipelined);
        }
        const s = stock.find((r) => r.batch === batch);
        if (typeof t.msPerStep === "number" && s) ratios[`tfjs-webgpu/torch-cuda${tf32 ? "" : "-fp32"} batch ${batch}`] = Math.round(((s.msPerStep as number) / t.msPerStep) * 10) / 10;
      }
    }
  }
  return {
    adapter: ctx.adapter,
    roundTripMs,
    model: { filters: PAPER_UNET.filters.join("-"), input: `${size}×${size}×11` },
    step: "upload batch + forward + BCE + backward + Adam + read back loss and counts",
    engine,
    tfjsWebgpu: stock,
    pytorchCuda: torch,
    ratios,
    profile: profiles,
  };
}
