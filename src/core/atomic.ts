/**
 * Atomic writes. A reader (QGIS, MintPy, the next notebook) must never see a half-written product, and
 * a killed run must leave the previous output intact: files are written beside their target and
 * renamed over it (rename is atomic within one file system); a whole output set is written into a
 * sibling staging folder that replaces the old folder in two renames.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const TMP_MARK = ".tmp-";

/** A temporary name beside `target`, tagged with this process id so stale ones can be recognised. */
export function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}${TMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Run `write(tmp)` then move `tmp` over `file`; the temporary is removed if `write` throws. */
export async function withAtomicFile<T>(file: string, write: (tmp: string) => Promise<T> | T): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    const r = await write(tmp);
    renameSync(tmp, file);
    return r;
  } catch (e) {
    rmSync(tmp, { force: true, recursive: true });
    throw e;
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove temporaries left in `dir` by processes that no longer run (a killed earlier run). */
export function removeStaleTemporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const i = name.lastIndexOf(TMP_MARK);
    if (i < 0) continue;
    const pid = Number.parseInt(name.slice(i + TMP_MARK.length), 10);
    if (Number.isFinite(pid) && !pidAlive(pid)) {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Write a whole output folder atomically: `build(staging)` fills a sibling staging folder; only when
 * it returns is the old folder swapped out and the new one renamed into place, so a run killed at any
 * moment leaves either the complete previous set or the complete new set. Files of the previous set
 * that `build` wants to keep (products of other steps) must be written again or copied by `build`.
 */
export async function writeFolderAtomic<T>(dir: string, build: (staging: string) => Promise<T> | T): Promise<T> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  removeStaleTemporaries(parent);
  const staging = tempPath(dir);
  mkdirSync(staging);
  let result: T;
  try {
    result = await build(staging);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(dir)) {
    const old = tempPath(dir);
    renameSync(dir, old);
    renameSync(staging, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(staging, dir);
  }
  return result;
}

/**
 * Check an output folder before any work: it must be a folder or creatable, on a writable path.
 * (Node 20's recursive mkdir loops forever under /proc, so the parent chain is walked here first.)
 */
export function assertWritableDir(dir: string): void {
  let p = dir;
  for (;;) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory()) throw new Error(`${dir}: ${p === dir ? "exists and is not a folder" : `${p} is not a folder`}`);
      break;
    }
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (p === "/proc" || p.startsWith("/proc/") || p === "/sys" || p.startsWith("/sys/")) {
    throw new Error(`${dir}: cannot write output under ${p}`);
  }
  mkdirSync(dir, { recursive: true });
}

/**
 * Ready an output folder before any work: checked as `assertWritableDir` does, and cleared of the
 * temporaries a killed earlier run left behind (those of live processes are kept).
 */
export function prepareOutputDir(dir: string): string[] {
  assertWritableDir(dir);
  return removeStaleTemporaries(dir);
}

/** Check an output file's path before any work: its folder must be writable, and it must not be a folder. */
export function assertWritableFile(file: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`${file}: is a folder; an output file path is expected`);
  prepareOutputDir(dirname(file));
}
