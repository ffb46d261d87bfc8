/**
 * `npm run sbas -- --queue URL`: the invert_network step's inversion as the row-block jobs of
 * src/queue/sbas.ts. Kept apart from it because it starts runs (run.ts), and run.ts reaches the job
 * handlers through the registry.
 */
import { FileError } from "../core/errors";
import type { Inverter } from "../sbas/step-types";
import { executeRun, type RunOptions } from "./run";
import { prepareSbasFromStack, readSbasProducts } from "./sbas";

export interface QueueInversionOptions extends Pick<RunOptions, "queue" | "attempts" | "quiet" | "timeoutMs"> {
  /** Shared folder and the run folder inside it (`runFolder`). */
  root: string;
  dir: string;
  rel: string;
  rows?: number;
  /** What the stack came from (part of the run id). */
  source: string;
  log?: (line: string) => void;
}

/**
 * invert_network's inversion as row-block jobs (`npm run sbas -- --queue URL`): the same bytes as
 * `invertStack`, so the steps after it and their products do not change.
 */
export function queueInverter(o: QueueInversionOptions): Inverter {
  return async (input, opts) => {
    const run = await prepareSbasFromStack(o.dir, o.rel, input, opts, o.rows, o.source);
    o.log?.(`invert_network: run ${run.runId}, ${run.jobs.length} row-block jobs + merge in ${o.dir}`);
    const out = await executeRun(o.root, run, o);
    if (!out.ok) {
      const why = out.failed.length ? out.failed.map((f) => `job ${f.id}: ${f.reason}`).join("; ") : "timed out";
      throw new FileError(o.dir, `invert_network on the queue did not finish (${why}); \`npm run queue -- status\` lists the jobs, repeating the command retries them`);
    }
    const { ts, temporalCoherence, numInvIfgram, inverted, rankDeficient } = readSbasProducts(o.dir);
    return { ts, temporalCoherence, numInvIfgram, inverted, rankDeficient };
  };
}
