/**
 * What the disk under a download can take. Kept apart from the HTTP code so the limits are small pure
 * functions, and so tests can reason about them without filling a real disk.
 */
import { statfsSync } from "node:fs";
import { formatBytes } from "../progress";

/** Kept free when a file's size is not known in advance, so the machine stays usable after a bad download. */
export const DISK_RESERVE = 256 * 1024 * 1024;

/** Bytes free to this user on the file system holding `dir`, or undefined where the platform cannot say. */
export function freeBytes(dir: string): number | undefined {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/** The most bytes a file may reach on disk, and the reason, for the message when a server sends more. */
export interface ByteLimit {
  bytes: number;
  why: string;
}

/**
 * The cap for one download: the manifest's size when known (a correct server never sends more, so the
 * cap needs no slack: it counts body bytes after HTTP framing); otherwise an explicit `maxBytes`;
 * otherwise what is free on the disk less `DISK_RESERVE`. Undefined only when nothing is known.
 */
export function byteLimit(expectedSize: number | undefined, have: number, free: number | undefined, maxBytes?: number): ByteLimit | undefined {
  if (expectedSize !== undefined) return { bytes: expectedSize, why: "the expected size" };
  if (maxBytes !== undefined) return { bytes: maxBytes, why: "the limit set for this download" };
  if (free === undefined) return undefined;
  return { bytes: have + Math.max(0, free - DISK_RESERVE), why: `the free disk space less ${formatBytes(DISK_RESERVE)} kept free; the size is not known` };
}
