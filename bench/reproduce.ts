/**
 * `npm run bench -- reproduce [--notebooks=a.ipynb,b.ipynb]`: wall time of `npm run reproduce` on the
 * same notebooks twice, in a fresh cache and outputs folder: the first run executes everything, the
 * second (nothing changed) restores every notebook from the execution cache and finds every
 * figure file of reports/figures/ up to date. Default notebooks: the
 * runner's fixtures (one plain, one writing a product, one reading it), so the figure measures the
 * runner, not the science; pass project notebooks to measure those (e.g. --notebooks=notebooks/22-foshan-settlement.ipynb).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/core/project";

const FIXTURES = ["a-ok", "e-warning", "f-product", "g-reader"].map((n) => `tests/fixtures/notebooks/${n}.ipynb`);

export async function run(args: string[]): Promise<object> {
  const given = args.find((a) => a.startsWith("--notebooks="));
  const notebooks = given ? given.slice("--notebooks=".length).split(",") : FIXTURES;
  const root = projectRoot();
  const tmp = mkdtempSync(join(tmpdir(), "bench-reproduce-"));
  const env = { ...process.env, DLAB_CACHE_DIR: join(tmp, "cache"), DLAB_OUTPUTS_DIR: join(tmp, "outputs") };
  const once = (label: string): { seconds: number; restored: number } => {
    // One reports folder for both runs, as a user has: unchanged figures are not drawn again.
    const out = join(tmp, "reports");
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--quiet", "--out", out, ...notebooks], { cwd: root, env, encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`reproduce failed (${label}): ${r.stderr}`);
    const meta = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { notebooks: { cache?: { restored: boolean } }[] };
    return { seconds, restored: meta.notebooks.filter((n) => n.cache?.restored).length };
  };
  try {
    const first = once("first");
    const second = once("second");
    const ratio = second.seconds / first.seconds;
    return {
      notebooks,
      firstRunSeconds: Number(first.seconds.toFixed(2)),
      secondRunSeconds: Number(second.seconds.toFixed(2)),
      restoredOnSecondRun: `${second.restored}/${notebooks.length}`,
      secondOverFirst: Number(ratio.toFixed(3)),
      target: "second run under 10 % of the first",
      meetsTarget: ratio < 0.1,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
