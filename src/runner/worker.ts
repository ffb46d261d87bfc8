/**
 * Child-process entry of the runner: executes one notebook and writes the executed copy and a JSON
 * result. Each notebook gets a fresh process so module state, tfjs backends, timers and memory of one
 * notebook never leak into the next, and a crash ends only that notebook.
 */
import { writeFileSync } from "node:fs";
import { executeNotebook } from "./execute";
import { injectParameters, readNotebook, writeNotebook, type ParamValue } from "./notebook";

export interface WorkerJob {
  input: string;
  output: string;
  resultFile: string;
  overrides: Record<string, ParamValue>;
  /** Overrides that notebooks without such a parameter ignore (e.g. `profile`). */
  optional: string[];
  label: string;
  echo: boolean;
}

export interface WorkerResult {
  ok: boolean;
  durationMs: number;
  cellDurationsMs: number[];
  parameters: Record<string, string>;
  failure?: { cell: number; line?: number; file?: string; fileLine?: number; kind: string; message: string };
  comparisons: unknown[];
  statuses: unknown[];
  setupError?: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as WorkerJob;
  let result: WorkerResult;
  try {
    const nb = readNotebook(job.input);
    const { notebook, effective } = injectParameters(nb, job.overrides, job.input, { ignoreUnknown: job.optional });
    const run = await executeNotebook(notebook, { echo: job.echo ? process.stderr : undefined, label: job.label });
    writeNotebook(job.output, run.notebook);
    result = {
      ok: run.ok,
      durationMs: run.durationMs,
      cellDurationsMs: run.cellDurationsMs,
      parameters: effective,
      failure: run.failure,
      comparisons: run.comparisons,
      statuses: run.statuses,
    };
  } catch (e) {
    result = { ok: false, durationMs: 0, cellDurationsMs: [], parameters: {}, comparisons: [], statuses: [], setupError: (e as Error).message };
  }
  writeFileSync(job.resultFile, JSON.stringify(result));
  // Notebooks may leave timers or worker threads behind; the result is written, so end here.
  process.exit(0);
}

void main();
