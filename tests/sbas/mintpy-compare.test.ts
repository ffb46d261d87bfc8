/**
 * Velocities on the real PyRate cropA stack against MintPy 1.5.1 run on the very stack our reader
 * produced (tools/mintpy_compare.py; docs/sbas-mintpy-comparison.md). Needs ../shared/data and the
 * Debian python3-mintpy package; skipped otherwise.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/sbas";
import { projectRoot } from "../../src/core/project";

// ../shared/data from the main checkout, ../../shared/data from a worktree under wt/
const cropA = [join(projectRoot(), "..", "shared", "data", "pyrate-cropA"), join(projectRoot(), "..", "..", "shared", "data", "pyrate-cropA")].find(existsSync) ?? "";
const python = "/usr/bin/python3";
const hasMintpy = existsSync(python) && spawnSync(python, ["-c", "import mintpy"]).status === 0;

describe.skipIf(!cropA || !hasMintpy)("MintPy 1.5.1 comparison on pyrate-cropA (mirror: needs ../shared/data and python3-mintpy)", () => {
  for (const weight of ["no", "var"]) {
    it(`velocities agree within 1 mm/yr on coherent pixels (weightFunc=${weight})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `sbas-mintpy-${weight}-`));
      try {
        const ours = join(dir, "ours");
        const rc = await main([
          "--input", cropA, "--out", ours, "--write-stack", "--quiet",
          "--param", `weightFunc=${weight}`, "--param", "troposphere=no", "--param", "deramp=no",
          "--param", "periodic=none", "--param", "referenceDate=first",
        ]);
        expect(rc).toBe(0);
        const json = join(dir, "cmp.json");
        const p = spawnSync(python, [join(projectRoot(), "tools", "mintpy_compare.py"), ours, join(dir, "mintpy"), weight, "--json", json], {
          encoding: "utf8",
        });
        expect(p.status, p.stderr).toBe(0);
        const res = JSON.parse(readFileSync(json, "utf8"));
        expect(res.coherent_pixels).toBeGreaterThan(5000);
        expect(res.velocity_mm_yr.max_abs_diff).toBeLessThan(1.0);
        expect(res.raw_timeseries_mm.max_abs_diff).toBeLessThan(0.1);
        expect(res.temporal_coherence.max_abs_diff).toBeLessThan(1e-3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
