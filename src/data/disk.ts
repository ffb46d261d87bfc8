/**
 * What the disk under a download can take. Kept apart from the HTTP code so the limits are small pure
 * functions, and so tests can reason about them without filling a real disk.
 */
import { statfsSync } from "node:fs";
import { formatBytes } from "../core/progress";

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

/** Write errors no retry can fix: the disk is full, over quota, read-only, or not ours to write. */
const FATAL_WRITE_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"]);

export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isFatalWriteError(e: unknown): boolean {
  const code = errnoCode(e);
  return code !== undefined && FATAL_WRITE_CODES.has(code);
}

/** Writing a file failed for a reason of the disk, not of the network: reported as such, never retried. */
export class DiskWriteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "DiskWriteError";
  }
}

/** "disk full at <path> (free 1.2 MiB, needed 3.0 GiB)" and the like, with what is known of the space. */
export function describeWriteError(code: string, path: string, space: { free?: number; needed?: number } = {}): string {
  const known = [
    space.free !== undefined ? `free ${formatBytes(space.free)}` : "",
    space.needed !== undefined ? `needed ${formatBytes(space.needed)}` : "",
  ].filter(Boolean);
  const note = known.length ? ` (${known.join(", ")})` : "";
  switch (code) {
    case "ENOSPC":
      return `disk full at ${path}${note}`;
    case "EDQUOT":
      return `disk quota exceeded at ${path}${note}`;
    case "EROFS":
      return `read-only file system at ${path}`;
    default:
      return `no permission to write ${path} (${code})`;
  }
}

/** What to do about it: room for the first two, another folder for the others. */
export function writeErrorAdvice(code: string): string {
  return code === "ENOSPC" || code === "EDQUOT"
    ? "free some space, or set --data-dir or DLAB_DATA_DIR to a larger disk"
    : "set --data-dir or DLAB_DATA_DIR to a folder you can write";
}
