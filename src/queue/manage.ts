/**
 * `queue status | retry | clean`: what Redis holds, per run (job ids are `<run id>.<job id>`).
 */
import { Queue, type Job } from "bullmq";
import { connectionFor, QUEUE_NAME, QUEUE_PREFIX } from "./connection";

const STATES = ["waiting", "active", "delayed", "completed", "failed", "paused", "prioritized", "waiting-children"] as const;

export interface RunStatus {
  runId: string;
  counts: Record<string, number>;
  failed: { id: string; reason: string; attempts: number }[];
}

export const runIdOf = (jobId: string | undefined): string => (jobId ?? "").split(".")[0];

async function withQueue<T>(url: string, f: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(QUEUE_NAME, { connection: connectionFor(url), prefix: QUEUE_PREFIX });
  try {
    return await f(q);
  } finally {
    await q.close();
  }
}

async function jobsOf(q: Queue, states: readonly string[], run?: string): Promise<Job[]> {
  const jobs = await q.getJobs(states as never, 0, -1);
  return jobs.filter((j) => j && (!run || runIdOf(j.id) === run));
}

export function queueStatus(url: string, run?: string): Promise<RunStatus[]> {
  return withQueue(url, async (q) => {
    const byRun = new Map<string, RunStatus>();
    for (const state of STATES) {
      for (const j of await jobsOf(q, [state], run)) {
        const r = runIdOf(j.id);
        const s = byRun.get(r) ?? { runId: r, counts: {}, failed: [] };
        s.counts[state] = (s.counts[state] ?? 0) + 1;
        if (state === "failed") s.failed.push({ id: j.id ?? "?", reason: j.failedReason, attempts: j.attemptsMade });
        byRun.set(r, s);
      }
    }
    return [...byRun.values()].sort((a, b) => a.runId.localeCompare(b.runId));
  });
}

/** Puts failed jobs (of one run, or all) back on the queue; returns how many. */
export function retryFailed(url: string, run?: string): Promise<number> {
  return withQueue(url, async (q) => {
    const failed = await jobsOf(q, ["failed"], run);
    for (const j of failed) await j.retry("failed");
    return failed.length;
  });
}

/** Removes finished (completed and failed) jobs of one run, or of all runs; returns how many. */
export function cleanFinished(url: string, run?: string): Promise<number> {
  return withQueue(url, async (q) => {
    const jobs = await jobsOf(q, ["completed", "failed"], run);
    for (const j of jobs) await j.remove();
    return jobs.length;
  });
}
