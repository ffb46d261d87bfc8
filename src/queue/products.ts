/**
 * Job products on the shared folder. Each job writes `jobs/<id>.bin` and then `jobs/<id>.json` (its
 * run id, byte count and SHA-256), both atomically: the marker is the proof a job finished, so a
 * re-delivered or re-enqueued job whose marker matches its bytes is skipped, and a job killed halfway
 * leaves no marker and is simply done again.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";

export interface ProductMarker {
  runId: string;
  id: string;
  bytes: number;
  sha256: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export const jobsDir = (runDir: string): string => join(runDir, "jobs");
export const productFile = (runDir: string, id: string): string => join(jobsDir(runDir), `${id}.bin`);
const markerFile = (runDir: string, id: string): string => join(jobsDir(runDir), `${id}.json`);

export function writeProduct(runDir: string, runId: string, id: string, data: Uint8Array): ProductMarker {
  const marker: ProductMarker = { runId, id, bytes: data.byteLength, sha256: sha256(data) };
  writeFileAtomic(productFile(runDir, id), data);
  writeFileAtomic(markerFile(runDir, id), JSON.stringify(marker) + "\n");
  return marker;
}

/** The marker of a finished job of this run, or null (absent, of another run, or bytes not matching). */
export function finishedProduct(runDir: string, runId: string, id: string, verify = true): ProductMarker | null {
  const mf = markerFile(runDir, id);
  if (!existsSync(mf)) return null;
  let m: ProductMarker;
  try {
    m = JSON.parse(readFileSync(mf, "utf8")) as ProductMarker;
  } catch {
    return null;
  }
  if (m.runId !== runId || m.id !== id) return null;
  if (!verify) return m;
  const pf = productFile(runDir, id);
  if (!existsSync(pf)) return null;
  return sha256(readFileSync(pf)) === m.sha256 ? m : null;
}

/** The bytes of a finished job, checked against its marker (the merge step reads its inputs this way). */
export function readProduct(runDir: string, runId: string, id: string): Uint8Array {
  const m = finishedProduct(runDir, runId, id, false);
  const pf = productFile(runDir, id);
  if (!m) throw new FileError(pf, `job ${id} of run ${runId} has no finished product`);
  const b = readFileSync(pf);
  if (sha256(b) !== m.sha256) throw new FileError(pf, `content does not match its SHA-256 in ${id}.json (changed after the job wrote it)`);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
