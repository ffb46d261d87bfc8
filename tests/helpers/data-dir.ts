import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** Gives each test of the enclosing describe an empty DLAB_DATA_DIR, restoring the previous value after. */
export function useTempDataDir(): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.DLAB_DATA_DIR;
    process.env.DLAB_DATA_DIR = mkdtempSync(join(tmpdir(), "dlab-data-"));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DLAB_DATA_DIR;
    else process.env.DLAB_DATA_DIR = saved;
  });
}
