/**
 * What a worker accepts from Redis. Anyone who can write to the Redis can enqueue, so a payload is
 * data only: a relative run folder that must resolve inside the worker's shared root, an id of a fixed
 * shape, and integers in stated ranges. No field is ever evaluated, spawned or used as a module name.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FileError } from "../core/errors";
import { resolveInside } from "../data/paths";

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

const RUN_ID = /^[0-9a-f]{16}$/;
const JOB_ID = /^(?:[a-z]\d{4}|merge)$/;
const REL_PATH = /^[A-Za-z0-9._\-/]+$/;

function record(data: unknown): Record<string, unknown> {
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new PayloadError("payload is not an object");
  return data as Record<string, unknown>;
}

export function int(data: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = data[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new PayloadError(`payload.${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

export interface BasePayload {
  /** Run folder, relative to the shared root. */
  run: string;
  runId: string;
  id: string;
}

/** Checks the fields every job has; `allowed` lists the keys this job type may carry. */
export function basePayload(data: unknown, root: string, allowed: readonly string[]): BasePayload & { dir: string; raw: Record<string, unknown> } {
  const d = record(data);
  for (const k of Object.keys(d)) if (!["run", "runId", "id", ...allowed].includes(k)) throw new PayloadError(`payload has an unexpected field "${k}"`);
  const { run, runId, id } = d;
  if (typeof run !== "string" || !REL_PATH.test(run) || run.startsWith("/") || run.split("/").includes("..")) {
    throw new PayloadError(`payload.run must be a relative folder of plain names, got ${JSON.stringify(run)}`);
  }
  if (typeof runId !== "string" || !RUN_ID.test(runId)) throw new PayloadError(`payload.runId must be 16 hex digits`);
  if (typeof id !== "string" || !JOB_ID.test(id)) throw new PayloadError(`payload.id must look like t0001 or "merge", got ${JSON.stringify(id)}`);
  let dir: string;
  try {
    dir = resolveInside(root, run, "payload.run");
  } catch (e) {
    throw new PayloadError((e as Error).message);
  }
  // Retryable, not a payload fault: this machine may not see the shared folder (yet), another may.
  if (!existsSync(join(dir, "run.json"))) throw new FileError(join(dir, "run.json"), `missing: the run folder is not on this machine's shared root ${root}`);
  return { run, runId, id, dir, raw: d };
}
