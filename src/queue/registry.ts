/**
 * The only job types a worker runs. A job names its type (the BullMQ job name) and carries a data-only
 * payload; the type picks a handler from this fixed table, never a module path or code from Redis.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { basePayload, PayloadError } from "./payload";
import { finishedProduct, writeProduct, type ProductMarker } from "./products";
import { JOB_TYPES, type JobHandler, type JobType } from "./types";

export { JOB_TYPES, type JobHandler, type JobSpec, type JobType, type PreparedRun } from "./types";

// Loaded on first use, so an SBAS worker never loads TensorFlow.js.
async function handler(type: JobType): Promise<JobHandler> {
  switch (type) {
    case "landslide-tile":
      return (await import("./landslide")).landslideTile;
    case "landslide-merge":
      return (await import("./landslide")).landslideMerge;
    case "sbas-block":
      return (await import("./sbas")).sbasBlock;
    case "sbas-merge":
      return (await import("./sbas")).sbasMerge;
  }
}

export const isJobType = (name: string): name is JobType => (JOB_TYPES as readonly string[]).includes(name);

export interface JobOutcome {
  skipped: boolean;
  marker: ProductMarker;
}

export interface RunJobOptions {
  /** Pause before computing (fault drills: gives a test time to kill a worker mid-job). */
  slowMs?: number;
}

/**
 * Validates and runs one job under the shared `root`; a job whose product is already there (same run,
 * same bytes) is skipped. Payload problems throw PayloadError (callers make it unrecoverable).
 */
export async function runJob(root: string, type: string, data: unknown, opts: RunJobOptions = {}): Promise<JobOutcome> {
  if (!isJobType(type)) throw new PayloadError(`unknown job type ${JSON.stringify(type)} (this worker runs ${JOB_TYPES.join(", ")})`);
  const h = await handler(type);
  const base = basePayload(data, root, h.fields);
  const runFile = join(base.dir, "run.json");
  const onDisk = (JSON.parse(readFileSync(runFile, "utf8")) as { runId?: string }).runId;
  if (onDisk !== base.runId) throw new PayloadError(`${runFile} holds run ${onDisk}, the job is for run ${base.runId} (a stale job of an earlier run)`);
  const done = finishedProduct(base.dir, base.runId, base.id);
  if (done) return { skipped: true, marker: done };
  if (opts.slowMs) await new Promise((r) => setTimeout(r, opts.slowMs));
  const bytes = await h.run(base.dir, base.raw, base.runId);
  return { skipped: false, marker: writeProduct(base.dir, base.runId, base.id, bytes) };
}
