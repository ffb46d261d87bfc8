import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPage, launch, skipBrowser } from "../helpers/browser";

describe.skipIf(skipBrowser())("report pages in headless Chromium", () => {
  it("render tables and Plotly figures with no console errors", async () => {
    const out = mkdtempSync(join(tmpdir(), "reports-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", "tests/fixtures/notebooks/a-ok.ipynb"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const browser = await launch();
    try {
      const index = await checkPage(browser, join(out, "index.html"));
      expect(index.consoleErrors).toEqual([]);
      expect(index.tables).toBeGreaterThanOrEqual(3); // run metadata, notebooks, paper vs run
      const page = await checkPage(browser, join(out, "a-ok.html"));
      expect(page.consoleErrors).toEqual([]);
      expect(page.tables).toBe(2);
      expect(page.plotlyTargets).toBe(1);
      expect(page.plotlyRendered).toBe(1);
    } finally {
      await browser.close();
    }
  });
});
