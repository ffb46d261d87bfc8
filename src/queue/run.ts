/**
 * Runs a prepared run's jobs, then its merge job: in this process one after the other (no queue), or
 * on BullMQ workers through Redis. The shared folder, not Redis, is the record of what is done (each
 * job's marker), so the coordinator polls markers for progress; it asks Redis only for jobs still
 * missing, and re-enqueues any Redis no longer knows (a Redis restarted without persistence) — finished
 * jobs are never recomputed.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { Queue } from "bullmq";
import { UsageError } from "../core/errors";
import { progress } from "../core/progress";
import { connectionFor, QUEUE_NAME, QUEUE_PREFIX, watchConnection } from "./connection";
import { finishedProduct } from "./products";
import { runJob, type JobSpec, type PreparedRun } from "./registry";

export interface RunOptions {
  /** redis:// URL; absent = run every job in this process. */
  queue?: string;
  /** Attempts per job before it counts as failed (BullMQ attempts). */
  attempts?: number;
  backoffMs?: number;
  /** How often the shared folder is checked for finished jobs. */
  pollMs?: number;
  /** How often Redis is asked about unfinished jobs. */
  checkMs?: number;
  quiet?: boolean;
  /** Give up (and report) after this long; 0 = wait as long as it takes. */
  timeoutMs?: number;
}

export interface RunOutcome {
  runId: string;
  ok: boolean;
  jobs: number;
  /** Jobs already finished before this command (not recomputed). */
  alreadyDone: number;
  failed: { id: string; reason: string }[];
  /** Jobs put back on the queue because Redis had lost them. */
  requeued: number;
  seconds: number;
}

/** A run folder inside the shared folder `root`: payloads carry it relative to `root`, where workers find it. */
export function runFolder(rootOption: string, dirOption: string, option = "--out"): { root: string; dir: string; rel: string } {
  const root = resolve(rootOption);
  const dir = resolve(dirOption);
  const rel = relative(root, dir);
  if (!rel || rel.startsWith("..") || isAbsolute(rel)) throw new UsageError(`${option} ${dir} must be a folder inside --root ${root} (workers find it there)`);
  if (!/^[A-Za-z0-9._\-/]+$/.test(rel)) throw new UsageError(`${option}: use plain names (letters, digits, . _ -) for the run folder, got ${JSON.stringify(rel)}`);
  return { root, dir, rel };
}

export const jobIdOf = (runId: string, id: string): string => `${runId}.${id}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inProcess(root: string, specs: JobSpec[], failed: Map<string, string>, tick: () => void): Promise<void> {
  for (const s of specs) {
    try {
      await runJob(root, s.type, s.payload);
    } catch (e) {
      failed.set(s.id, (e as Error).message);
    }
    tick();
  }
}

export async function executeRun(root: string, run: PreparedRun, opts: RunOptions = {}): Promise<RunOutcome> {
  const t0 = Date.now();
  const all = [...run.jobs, run.merge];
  // A product is hashed once when first seen finished; polls after that only look it up.
  const done = new Set<string>();
  const isDone = (s: JobSpec): boolean => {
    if (done.has(s.id)) return true;
    if (finishedProduct(run.dir, run.runId, s.id) === null) return false;
    done.add(s.id);
    return true;
  };
  const alreadyDone = all.filter(isDone).length;
  const bar = progress(`run ${run.runId}`, all.length, { unit: "jobs", quiet: opts.quiet });
  bar.update(alreadyDone);
  const failed = new Map<string, string>();
  let requeued = 0;
  const outcome = (): RunOutcome => ({
    runId: run.runId,
    ok: failed.size === 0 && isDone(run.merge),
    jobs: all.length,
    alreadyDone,
    failed: [...failed].map(([id, reason]) => ({ id, reason })),
    requeued,
    seconds: (Date.now() - t0) / 1000,
  });

  if (!opts.queue) {
    let n = alreadyDone;
    const tick = (): void => bar.update(++n);
    await inProcess(root, run.jobs.filter((s) => !isDone(s)), failed, tick);
    if (!failed.size && !isDone(run.merge)) await inProcess(root, [run.merge], failed, tick);
    bar.done(failed.size ? `${failed.size} failed` : undefined);
    return outcome();
  }

  const attempts = opts.attempts ?? 3;
  const queue = new Queue(QUEUE_NAME, { connection: connectionFor(opts.queue), prefix: QUEUE_PREFIX });
  const fatal = watchConnection(queue, opts.queue, (l) => process.stderr.write(l + "\n"));
  fatal.catch(() => undefined);
  const jobOpts = (s: JobSpec) => ({
    jobId: jobIdOf(run.runId, s.id),
    attempts,
    backoff: { type: "fixed", delay: opts.backoffMs ?? 1000 },
  });
  const enqueue = async (s: JobSpec): Promise<void> => {
    await queue.add(s.type, s.payload, jobOpts(s));
  };
  /** Puts each spec on the queue unless it is there and alive; a failed one from an earlier command is retried. */
  const submit = async (specs: JobSpec[], firstTime: boolean): Promise<void> => {
    for (const s of specs) {
      const jid = jobIdOf(run.runId, s.id);
      const state = await queue.getJobState(jid);
      if (state === "unknown") {
        if (!firstTime) requeued++;
        await enqueue(s);
      } else if (firstTime && state === "failed") {
        await (await queue.getJob(jid))?.retry("failed");
      } else if (state === "completed" && !isDone(s)) {
        // Finished in Redis but its product is gone from the folder: do it again.
        await queue.remove(jid);
        await enqueue(s);
      } else if (!firstTime && state === "failed") {
        const job = await queue.getJob(jid);
        failed.set(s.id, job?.failedReason || "failed");
      }
    }
  };
  const drain = async (specs: JobSpec[]): Promise<void> => {
    await submit(specs.filter((s) => !isDone(s)), true);
    let lastCheck = Date.now();
    for (;;) {
      const left = specs.filter((s) => !failed.has(s.id) && !isDone(s));
      bar.update(all.filter(isDone).length, failed.size ? `${failed.size} failed` : undefined);
      if (!left.length) return;
      if (opts.timeoutMs && Date.now() - t0 > opts.timeoutMs) {
        for (const s of left) failed.set(s.id, `not finished after ${opts.timeoutMs / 1000} s (are workers running?)`);
        return;
      }
      if (Date.now() - lastCheck >= (opts.checkMs ?? 1000)) {
        await submit(left, false);
        lastCheck = Date.now();
      }
      await sleep(opts.pollMs ?? 200);
    }
  };
  try {
    await Promise.race([fatal, queue.waitUntilReady()]);
    await Promise.race([fatal, (async () => {
      await drain(run.jobs);
      if (!failed.size) await drain([run.merge]);
    })()]);
  } finally {
    await queue.close();
  }
  bar.done(failed.size ? `${failed.size} failed` : undefined);
  return outcome();
}
