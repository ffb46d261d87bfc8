/**
 * `npm run bench -- unet [--backends=wasm,cpu] [--batches=8,16,32] [--steps=2] [--size=128] [--no-torch] [--no-profile] [--cpu-all]`
 *
 * Milliseconds per U-Net training step (forward, binary cross-entropy, backward, Adam update) of the
 * paper's model (Fig 1, 1,942,257 parameters, 128×128×11) for every TensorFlow.js backend available
 * here, at batch 8, 16 and 32, and the same step in PyTorch on the CPU with 2 threads when
 * `/usr/bin/python3 -c "import torch"` works (`apt-get install python3-torch`), as ratios tfjs/PyTorch.
 * A per-kernel profile of one step shows where the time goes (what to speed up next, issue 8). Where
 * webgpu is available the GPU engine's step is timed as well (`npm run bench -- gpu` for its CUDA comparison).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../src/core/project";
import { availableBackends, parseBackendName, selectBackend, type BackendName } from "../src/landslide/backend";
import { PAPER_UNET } from "../src/landslide/unet";
import { timeSteps, type KernelShare } from "./lib/tfjs-step";
import { arg, median } from "./lib/util";

export { timeSteps } from "./lib/tfjs-step";

interface StepTiming {
  backend: string;
  detail: string;
  batch: number;
  msPerStep: number;
  all: number[];
}

function torchStep(batch: number, size: number, threads: number, steps: number): { msPerStep: number; torch: string } | { error: string } {
  const py = "/usr/bin/python3";
  const probe = spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return { error: "PyTorch not installed (apt-get install python3-torch)" };
  const r = spawnSync(py, [join(projectRoot(), "bench", "unet-torch.py"), "step", String(batch), String(size), String(threads), String(steps)], { encoding: "utf8" });
  if (r.status !== 0) return { error: r.stderr.trim().split("\n").slice(-3).join(" ") };
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { msPerStep: number; torch: string };
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
      const r = await timeSteps(batch, size, slow ? 1 : steps, doProfile, !slow);
      timings.push({ backend: b, detail: info.detail, batch, msPerStep: Math.round(median(r.ms)), all: r.ms.map(Math.round) });
      if (r.profile) profiles[b] = r.profile;
      process.stderr.write(`  ${b} batch ${batch}: ${Math.round(median(r.ms))} ms/step\n`);
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
  const torch: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  if (!args.includes("--no-torch")) {
    for (const batch of batches) {
      const t = torchStep(batch, size, 2, Math.max(3, steps));
      torch[`batch${batch}`] = t;
      if ("msPerStep" in t) {
        for (const tm of timings.filter((x) => x.batch === batch)) ratios[`${tm.backend}/torch-cpu2 batch ${batch}`] = Math.round((tm.msPerStep / t.msPerStep) * 10) / 10;
      }
    }
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
      "On a 2-core machine shared with other work, PyTorch's 2 OpenMP threads slow down several-fold when another process holds a core, while single-threaded wasm barely changes: compare ratios only from runs on a quiet machine (see bench/results/history).",
    ],
  };
}
