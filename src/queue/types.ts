/** The shapes shared by the registry and the job modules (kept apart so neither imports the other). */
export const JOB_TYPES = ["landslide-tile", "landslide-merge", "sbas-block", "sbas-merge"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export interface JobSpec {
  type: JobType;
  id: string;
  payload: Record<string, unknown>;
}

/** A run whose inputs are written to its folder: the jobs to do, then the merge job. */
export interface PreparedRun {
  /** Absolute run folder on this machine. */
  dir: string;
  /** The same folder relative to the shared root (what payloads carry). */
  rel: string;
  runId: string;
  jobs: JobSpec[];
  merge: JobSpec;
}

export interface JobHandler {
  /** Payload keys beyond run, runId and id. */
  fields: readonly string[];
  /** Computes the job's product; reads only inside the run folder `dir`. */
  run(dir: string, raw: Record<string, unknown>, runId: string): Promise<Uint8Array>;
}

