/**
 * A PyTorch twin of the U-Net kept running (`bench/unet-torch.py serve`), so a benchmark can alternate
 * its own training steps with PyTorch's one by one: both then see the same load on a shared machine,
 * and the median of the per-pair ratios is not skewed by another process taking a core for a while.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { projectRoot } from "../../src/core/project";

export interface TorchServer {
  torch: string;
  /** Runs one step; resolves to its milliseconds. */
  step(): Promise<number>;
  close(): void;
}

export function torchAvailable(py = "/usr/bin/python3"): boolean {
  return spawnSync(py, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

export async function startTorch(batch: number, size: number, threads: number, device = "cpu", py = "/usr/bin/python3"): Promise<TorchServer> {
  const child: ChildProcessWithoutNullStreams = spawn(py, [join(projectRoot(), "bench", "unet-torch.py"), "serve", String(batch), String(size), String(threads), device]);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const queue: ((line: string | null) => void)[] = [];
  lines.on("line", (l) => queue.shift()?.(l));
  child.on("close", () => {
    for (const q of queue.splice(0)) q(null);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) =>
      queue.push((l) => (l === null ? reject(new Error(`PyTorch server ended: ${stderr.trim().split("\n").slice(-3).join(" ")}`)) : resolve(l))),
    );
  const ready = JSON.parse(await next()) as { torch: string };
  return {
    torch: ready.torch,
    step: async () => {
      const p = next();
      child.stdin.write("step\n");
      return (JSON.parse(await p) as { ms: number }).ms;
    },
    close: () => {
      child.stdin.end("quit\n");
    },
  };
}
