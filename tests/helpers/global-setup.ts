/**
 * `npm test` writes nothing into the checkout: datasets, step outputs and reports of the whole run go to
 * one temporary folder (shared by the test files, so sample datasets are built once per run) that is
 * removed at the end. A developer's own data/, outputs/ and reports/ are never read or changed by tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "dlab-test-"));
  for (const [k, sub] of [
    ["DLAB_DATA_DIR", "data"],
    ["DLAB_OUTPUTS_DIR", "outputs"],
    ["DLAB_REPORTS_DIR", "reports"],
  ] as const) {
    if (!process.env[k]) process.env[k] = join(root, sub);
  }
  return () => {
    if (process.env.DLAB_KEEP_TEST_DIR !== "1") rmSync(root, { recursive: true, force: true });
  };
}
