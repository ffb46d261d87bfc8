/**
 * `npm run bench -- queue [--size=4] [--blocks=16]`
 *
 * SBAS row-block inversion of a synthetic stack (src/samples/sbas-stack, `size` scales the pixel count)
 * run three ways: every job in this process, then on 1 and on 2 BullMQ workers (a private redis-server
 * on a loopback port; workers started and ready before timing). Reports wall time and jobs/s for each,
 * and the queue's overhead per job: the same stack cut into one-row blocks (many near-empty jobs) on one
 * worker, minus the same jobs in process, divided by the job count. Needs redis-server.
 * On a shared machine the worker processes compete with everything else: read ratios, not absolutes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildSbasStack } from "../src/samples/sbas-stack";
import { ZIGUI_SBAS } from "../src/studies/zigui/sbas";
import { executeRun } from "../src/queue/run";
import { prepareSbas } from "../src/queue/sbas";
import { Cluster, HAVE_REDIS, waitFor } from "../tests/queue/cluster";

function opt(args: string[], name: string, def: string): string {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

export async function run(args: string[]): Promise<object> {
  if (!HAVE_REDIS) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const size = Number(opt(args, "size", "4"));
  const blocks = Number(opt(args, "blocks", "16"));
  const root = mkdtempSync(join(tmpdir(), "bench-queue-"));
  const stack = join(root, "stack");
  await buildSbasStack(stack, { seed: 5, size, quiet: true });
  let k = 0;
  const timed = async (rows: number, queue?: string): Promise<{ seconds: number; jobs: number }> => {
    const name = `run${k++}`;
    const prepared = await prepareSbas(join(root, name), name, { input: stack, params: ZIGUI_SBAS, rows });
    const t0 = performance.now();
    const out = await executeRun(root, prepared, { queue, quiet: true, pollMs: 20, checkMs: 1000 });
    if (!out.ok) throw new Error(`bench run failed: ${JSON.stringify(out.failed)}`);
    return { seconds: (performance.now() - t0) / 1000, jobs: out.jobs };
  };
  const first = await prepareSbas(join(root, "probe"), "probe", { input: stack, params: ZIGUI_SBAS, rows: 1 });
  const height = first.jobs.length;
  const rows = Math.ceil(height / blocks);
  const results: Record<string, unknown> = {};
  const inproc = await timed(rows);
  results.inProcess = { ...inproc, jobsPerSecond: inproc.jobs / inproc.seconds };
  const tinyIn = await timed(1);
  const cluster = new Cluster(join(root, "cluster"));
  try {
    await cluster.startRedis();
    for (const n of [1, 2]) {
      while (cluster.procs.length < n) {
        const w = cluster.startWorker(root, []);
        await waitFor("worker ready", () => cluster.log(w).includes("ready on"), 60_000);
      }
      // One warm-up run so each worker has loaded its modules before timing.
      await timed(rows, cluster.url);
      const q = await timed(rows, cluster.url);
      results[`workers${n}`] = { ...q, jobsPerSecond: q.jobs / q.seconds, speedupVsInProcess: inproc.seconds / q.seconds };
      if (n === 1) {
        const tinyQ = await timed(1, cluster.url);
        results.overheadPerJob = {
          jobs: tinyQ.jobs,
          inProcessSeconds: tinyIn.seconds,
          oneWorkerSeconds: tinyQ.seconds,
          millisecondsPerJob: ((tinyQ.seconds - tinyIn.seconds) / tinyQ.jobs) * 1000,
        };
      }
    }
  } finally {
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return { stack: { size, height, blocks: Math.ceil(height / rows), rowsPerBlock: rows }, cores: cpus().length, loadavg1: loadavg()[0], ...results };
}
