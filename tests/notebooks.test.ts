/**
 * Every notebook in notebooks/ must be committed clean, follow the conventions, and run on the sample
 * profile: a notebook that breaks fails CI. Their report pages are then opened in headless Chromium.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { cellSource, findParametersCell, readNotebook, type Notebook } from "../src/runner/notebook";
import { browserUnavailable, checkPage, launch } from "./helpers/browser";

const DIR = "notebooks";
const files = readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort();

function topLevelNames(src: string): Set<string> {
  const sf = ts.createSourceFile("c.ts", src, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.add(st.name.text);
  }
  return names;
}

/** Shorthand properties (`{ x }`) naming a variable of an earlier cell: tslab fails on them at run time. */
export function shorthandAcrossCells(nb: Notebook): string[] {
  const earlier = new Set<string>();
  const problems: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    const src = cellSource(c);
    const own = topLevelNames(src);
    const sf = ts.createSourceFile("c.ts", src, ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node): void => {
      if (ts.isShorthandPropertyAssignment(n) && earlier.has(n.name.text) && !own.has(n.name.text)) {
        const line = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
        problems.push(`cell ${i + 1} line ${line}: { ${n.name.text} } → write { ${n.name.text}: ${n.name.text} }`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    for (const n of own) earlier.add(n);
  });
  return problems;
}

describe("notebooks/", () => {
  it("has notebooks", () => expect(files.length).toBeGreaterThan(0));

  for (const f of files) {
    it(`${f}: committed without outputs, titled, with a parameters cell, tslab-safe`, () => {
      const nb = readNotebook(join(DIR, f));
      const withOutputs = nb.cells.filter((c) => c.cell_type === "code" && (c.outputs.length > 0 || c.execution_count !== null));
      expect(withOutputs.length, `strip outputs: npm run nb -- strip ${DIR}/${f}`).toBe(0);
      expect(nb.cells[0].cell_type).toBe("markdown");
      expect(cellSource(nb.cells[0])).toMatch(/^# /);
      expect(findParametersCell(nb)).toBeGreaterThan(0);
      expect(shorthandAcrossCells(nb)).toEqual([]);
    });
  }

  // One test per notebook (each with the suite's per-test time limit), in file-name order, into one
  // reports folder: later notebooks read the products of earlier ones (outputs/<profile>/ under the
  // test run's temporary folder), and each subset run adds its entry to the same index.
  const out = mkdtempSync(join(tmpdir(), "reports-"));
  for (const f of files) {
    it(`${f} runs on the sample profile`, () => {
      const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", join(DIR, f)], {
        encoding: "utf8",
        env: { ...process.env, DLAB_PROFILE: "sample" },
      });
      expect(r.status, r.stderr).toBe(0);
    });
  }

  it("their pages render in a browser: no console error, every figure drawn", async () => {
    const why = browserUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      console.warn(`skipping the browser check: ${why}`);
      return;
    }
    const browser = await launch();
    try {
      for (const page of ["index.html", ...files.map((f) => f.replace(/\.ipynb$/, ".html"))]) {
        const c = await checkPage(browser, join(out, page));
        expect(c.consoleErrors, page).toEqual([]);
        expect(c.plotlyRendered, `${page}: every figure drawn`).toBe(c.plotlyTargets);
      }
    } finally {
      await browser.close();
    }
  });
});
