/**
 * Atomic file writes for PS outputs (temp name, then rename), so a reader never sees a half-written
 * file. Kept here rather than importing the notebook runner, which loads the TypeScript compiler.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
