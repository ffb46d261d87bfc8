/**
 * A queue worker: takes jobs of the fixed registry from Redis and writes their products under the
 * shared root. BullMQ holds a lock per active job that the worker renews; a worker killed mid-job stops
 * renewing, and after `lockMs` another worker's stalled-job check puts the job back on the queue.
 */
import { UnrecoverableError, Worker } from "bullmq";
import { connectionFor, QUEUE_NAME, QUEUE_PREFIX, redactUrl, watchConnection } from "./connection";
import { PayloadError } from "./payload";
import { runJob } from "./registry";

export interface WorkerOptions {
  concurrency?: number;
  /** Job lock time; a dead worker's job is re-delivered after about this long. */
  lockMs?: number;
  slowMs?: number;
  log?: (line: string) => void;
  /** Called after the worker closed on an error retrying cannot fix (refused credentials). */
  onFatal?: (e: Error) => void;
}

export function startWorker(root: string, url: string, opts: WorkerOptions = {}): Worker {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      try {
        const o = await runJob(root, job.name, job.data, { slowMs: opts.slowMs });
        return { skipped: o.skipped, sha256: o.marker.sha256 };
      } catch (e) {
        // A payload that fails validation will fail the same way every time: no retries.
        if (e instanceof PayloadError) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    {
      connection: connectionFor(url),
      prefix: QUEUE_PREFIX,
      concurrency: opts.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on("active", (job) => log(`worker ${process.pid}: start ${job.name} ${job.id}`));
  worker.on("completed", (job, r: { skipped?: boolean }) => log(`worker ${process.pid}: ${r?.skipped ? "skipped (already done)" : "done"} ${job.name} ${job.id}`));
  worker.on("failed", (job, e) => log(`worker ${process.pid}: failed ${job?.name} ${job?.id} (attempt ${job?.attemptsMade}): ${e.message}`));
  // An authentication error ends the worker (retrying cannot fix it); others are logged while ioredis reconnects.
  watchConnection(worker, url, (l) => log(`worker ${process.pid}: ${l}`)).catch((e: Error) => {
    log(`worker ${process.pid}: ${e.message}`);
    void worker.close(true).finally(() => opts.onFatal?.(e));
  });
  worker.on("ready", () => log(`worker ${process.pid}: ready on ${redactUrl(url)}, shared root ${root}`));
  return worker;
}
