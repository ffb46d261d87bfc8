/**
 * Where the project lives on disk. Every path the library writes or reads by default hangs off the
 * project root, found by walking up from the working directory: tslab, tsx and vitest all run with the
 * repository root (or a folder below it) as working directory, and `import.meta` is not available
 * when tslab compiles these modules to CommonJS.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const PACKAGE_NAME = "deformation-lab";

let cachedRoot: string | undefined;

export function projectRoot(start: string = process.cwd()): string {
  if (cachedRoot && start === process.cwd()) return cachedRoot;
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name;
        if (name === PACKAGE_NAME) {
          if (start === process.cwd()) cachedRoot = dir;
          return dir;
        }
      } catch {
        // An unreadable package.json further down is not ours; keep walking.
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`Cannot find the ${PACKAGE_NAME} project root above ${start}`);
    dir = up;
  }
}

/** The data directory: `--data-dir`, then `DLAB_DATA_DIR`, then `<root>/data` (git-ignored). */
export function dataDir(override?: string): string {
  return resolve(override ?? process.env.DLAB_DATA_DIR ?? join(projectRoot(), "data"));
}

/** Reports produced by `npm run reproduce`: `DLAB_REPORTS_DIR` or `<root>/reports`. */
export function reportsDir(override?: string): string {
  return resolve(override ?? process.env.DLAB_REPORTS_DIR ?? join(projectRoot(), "reports"));
}

/**
 * Results a notebook or CLI step writes for later steps (e.g. the trained model, PS points):
 * `<DLAB_OUTPUTS_DIR or <root>/outputs>/<profile>/<step>`, git-ignored. Keyed by data profile so a
 * model trained on simulated patches is never read by a run on real data (and back); `step` names the
 * producing notebook, e.g. `zigui-training`, `foshan-ps`.
 */
export function outputsDir(step: string, profile: DataProfile = dataProfile()): string {
  return resolve(process.env.DLAB_OUTPUTS_DIR ?? join(projectRoot(), "outputs"), profile, step);
}

/**
 * The data profile a run uses: `sample` (simulated data shipped by the simulators, the default),
 * `mirror` (the real files resolved from a mirror folder such as ../shared/data), `full` (fetched data).
 */
export type DataProfile = "sample" | "mirror" | "full";

export function dataProfile(): DataProfile {
  const p = process.env.DLAB_PROFILE ?? "sample";
  if (p !== "sample" && p !== "mirror" && p !== "full") {
    throw new Error(`DLAB_PROFILE must be sample, mirror or full, not "${p}"`);
  }
  return p;
}
