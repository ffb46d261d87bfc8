/**
 * `npm run bench -- unet [--backends=wasm,cpu] [--batches=8,16,32] [--steps=2] [--size=128] [--no-torch] [--no-profile] [--cpu-all]`
 *
 * Milliseconds per U-Net training step (forward, binary cross-entropy, backward, Adam update) of the
 * paper's model (Fig 1, 1,942,257 parameters, 128×128×11) for every TensorFlow.js backend available
 * here, at batch 8, 16 and 32, and the same step in PyTorch on the CPU with 2 threads when
 * `/usr/bin/python3 -c "import torch"` works (`apt-get install python3-torch`). Project and PyTorch steps
 * alternate one by one (PyTorch runs as a server process, warmed up), and the ratio reported is the
 * median of the per-pair ratios, so both sides see the same machine load.
 * A per-kernel profile of one step shows where the time goes (what to speed up next, issue 8). Where
 * webgpu is available the GPU engine's step is timed as well (`npm run bench -- gpu` for its CUDA comparison).
 */
import { availableBackends, parseBackendName, selectBackend, type BackendName } from "../src/landslide/backend";
import { PAPER_UNET } from "../src/landslide/unet";
import { makeStep, timeSteps, type KernelShare } from "./lib/tfjs-step";
import { startTorch, torchAvailable } from "./lib/torch-server";
import { arg, median } from "./lib/util";

export { timeSteps } from "./lib/tfjs-step";

interface StepTiming {
  backend: string;
  detail: string;
  batch: number;
  msPerStep: number;
  all: number[];
}

export async function run(args: string[] = []): Promise<object> {
  const batches = (arg(args, "batches") ?? "8,16,32").split(",").map(Number);
  const steps = Number(arg(args, "steps") ?? 2);
  const size = Number(arg(args, "size") ?? 128);
  const wanted = arg(args, "backends");
  const backends: BackendName[] = wanted
    ? wanted.split(",").map((b) => parseBackendName(b, "--backends") as BackendName)
    : await availableBackends();
  const profileWanted = !args.includes("--no-profile");
  const timings: StepTiming[] = [];
  const profiles: Record<string, KernelShare[]> = {};
  const skipped: { backend: string; batch: number; reason: string }[] = [];
  const withTorch = !args.includes("--no-torch") && torchAvailable();
  const torch: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  if (!args.includes("--no-torch") && !withTorch) torch.error = "PyTorch not installed (apt-get install python3-torch)";
  for (const b of backends) {
    const info = await selectBackend({ backend: b, threads: 2 });
    for (const batch of batches) {
      // The JavaScript reference backend takes many minutes per step of the full model (its convolution
      // gradients are plain loops): one step at the smallest batch, no warm-up, no profile, unless
      // --cpu-all is given.
      const slow = b === "cpu" && !args.includes("--cpu-all");
      if (slow && batch !== Math.min(...batches)) {
        skipped.push({ backend: b, batch, reason: "cpu reference backend: only the smallest batch is timed (pass --cpu-all)" });
        continue;
      }
      process.stderr.write(`  ${b} batch ${batch} …\n`);
      const doProfile = profileWanted && batch === batches[0] && !slow;
      let ms: number[];
      if (withTorch && !slow) {
        // Alternate: project step, PyTorch step, … (both warmed up first).
        const own = makeStep(batch, size);
        const py = await startTorch(batch, size, 2);
        await own.step();
        const pairs: [number, number][] = [];
        for (let i = 0; i < Math.max(3, steps); i++) {
          const t0 = performance.now();
          await own.step();
          const mine = performance.now() - t0;
          pairs.push([mine, await py.step()]);
        }
        py.close();
        own.dispose();
        ms = pairs.map((p) => p[0]);
        const tm = pairs.map((p) => p[1]);
        torch[`${b} batch${batch}`] = { torch: py.torch, threads: 2, msPerStep: Math.round(median(tm)), all: tm.map(Math.round) };
        ratios[`${b}/torch-cpu2 batch ${batch}`] = Math.round(median(pairs.map(([a, t]) => a / t)) * 100) / 100;
      } else ms = (await timeSteps(batch, size, slow ? 1 : steps, false, !slow)).ms;
      if (doProfile) profiles[b] = (await timeSteps(batch, size, 0, true, true)).profile!;
      timings.push({ backend: b, detail: info.detail, batch, msPerStep: Math.round(median(ms)), all: ms.map(Math.round) });
      process.stderr.write(`  ${b} batch ${batch}: ${Math.round(median(ms))} ms/step\n`);
    }
  }
  // On webgpu, training runs in the GPU engine (src/engine/gpu): time it too (bench/gpu.ts has its own
  // comparison with PyTorch on CUDA).
  let gpuEngine: object | undefined;
  if (backends.includes("webgpu")) {
    const { run: runGpu } = await import("./gpu");
    // With PyTorch on CUDA in the same run when it has a GPU (bench/gpu.ts skips it otherwise).
    gpuEngine = await runGpu([`--batches=${batches.join(",")}`, `--steps=${Math.max(3, steps)}`, `--size=${size}`, ...(args.includes("--no-torch") ? ["--no-torch"] : [])]);
  }
  return {
    model: { params: PAPER_UNET.filters.join("-"), input: `${size}×${size}×11` },
    step: "forward + BCE + backward + Adam (tfjs optimizer.minimize; PyTorch loss.backward + opt.step)",
    timings,
    gpuEngine,
    skipped,
    pytorchCpu2Threads: torch,
    ratios,
    kernelProfile: profiles,
    notes: [
      "tfjs-backend-wasm runs single-threaded in Node (WASM_HAS_MULTITHREAD_SUPPORT is false under Node, tfjs issue 3830), so it uses 1 of the 2 cores PyTorch uses.",
      "Conv2DBackpropFilter on wasm is ours (stride 1: one XNNPACK convolution over transposed operands; otherwise im2col + XNNPACK GEMM); Conv2DBackpropInput is ours for stride 1 and stride = kernel (XNNPACK), stock otherwise.",
      "On a 2-core machine shared with other work, PyTorch's 2 OpenMP threads slow down several-fold when another process holds a core: steps therefore alternate project/PyTorch and the ratio is the median of per-pair ratios (each pair ran under the same load).",
    ],
  };
}
