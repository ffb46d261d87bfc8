/** One tfjs training step of the paper's U-Net, timed (shared by bench/unet.ts and bench/gpu.ts --stock). */
import * as tf from "@tensorflow/tfjs";
import { bceFromLogits } from "../../src/landslide/loss";
import { buildUNet, logitsModel, PAPER_UNET } from "../../src/landslide/unet";

export interface KernelShare {
  kernel: string;
  ms: number;
  share: number;
  calls: number;
}

export async function timeSteps(batch: number, size: number, steps: number, profile: boolean, warmup = true): Promise<{ ms: number[]; profile?: KernelShare[] }> {
  const { model } = buildUNet({ ...PAPER_UNET, inputSize: size }, 1);
  const net = logitsModel(model)!;
  const opt = tf.train.adam(1e-3);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform([batch, size, size, 11], 0, 1, "float32", 1);
  const y = tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, "float32", 2), 0.9), "float32");
  const step = async (): Promise<void> => {
    const cost = opt.minimize(() => bceFromLogits(y, net.apply(x, { training: true }) as tf.Tensor), true, varList);
    await cost!.data();
    cost!.dispose();
  };
  if (warmup) await step(); // kernel compilation, Adam moment allocation
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    ms.push(performance.now() - t0);
  }
  let prof: KernelShare[] | undefined;
  if (profile) {
    const info = await tf.profile(step);
    const by = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const t = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      const e = by.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += t;
      e.calls++;
      by.set(k.name, e);
    }
    const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
    prof = [...by.entries()]
      .map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms), share: Math.round((e.ms / total) * 1000) / 1000, calls: e.calls }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12);
  }
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return { ms, profile: prof };
}

