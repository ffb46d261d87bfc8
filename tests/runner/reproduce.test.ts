/** Runs the real CLI (`tsx scripts/reproduce.ts`) on fixture notebooks in a temporary reports folder. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Notebook, CodeCell } from "../../src/runner/notebook";

const FIX = "tests/fixtures/notebooks";

function run(args: string[]): { code: number; stderr: string; out: string } {
  const out = mkdtempSync(join(tmpdir(), "reports-"));
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", ...args], { encoding: "utf8" });
  return { code: r.status ?? -1, stderr: r.stderr, out };
}

function codeCells(file: string): CodeCell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as Notebook).cells.filter((c): c is CodeCell => c.cell_type === "code");
}

function streamText(cell: CodeCell): string {
  return cell.outputs.map((o) => (o.output_type === "stream" ? (Array.isArray(o.text) ? o.text.join("") : o.text) : "")).join("");
}

describe("npm run reproduce", () => {
  it("executes a notebook, fills outputs and writes HTML and the index", () => {
    const r = run([`${FIX}/a-ok.ipynb`]);
    expect(r.code, r.stderr).toBe(0);
    const cells = codeCells(join(r.out, "a-ok.ipynb"));
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2, 3]);
    expect(streamText(cells[1])).toContain("threshold=0.38 label=default fast=false");
    expect(cells[1].outputs.some((o) => o.output_type === "stream" && o.name === "stderr")).toBe(true);
    const kinds = cells[2].outputs.map((o) => (o.output_type === "display_data" ? Object.keys(o.data).sort().join(",") : o.output_type));
    expect(kinds).toEqual([
      "text/html,text/plain",
      "application/vnd.plotly.v1+json,text/html,text/plain",
      "application/vnd.dlab.paper-vs-run+json,text/html,text/plain",
    ]);
    const html = readFileSync(join(r.out, "a-ok.html"), "utf8");
    expect(html).toContain("Plotly.newPlot");
    expect(html).toContain("a table");
    const run_ = JSON.parse(readFileSync(join(r.out, "run.json"), "utf8")) as { ok: boolean; notebooks: { parameters: Record<string, string>; comparisons: unknown[] }[] };
    expect(run_.ok).toBe(true);
    expect(run_.notebooks[0].parameters.threshold).toBe("0.38");
    expect(run_.notebooks[0].comparisons).toHaveLength(1);
    expect(readFileSync(join(r.out, "index.html"), "utf8")).toContain("Fixture item");
  });

  it("injects --param values with typed parsing and reports them", () => {
    const r = run([`${FIX}/a-ok.ipynb`, "--param", "threshold=0.5", "--param", "label=tuned", "--param", 'flags={"fast":true}']);
    expect(r.code, r.stderr).toBe(0);
    const cells = codeCells(join(r.out, "a-ok.ipynb"));
    expect(cells[1].metadata.tags).toEqual(["injected-parameters"]);
    expect(streamText(cells[2])).toContain("threshold=0.5 label=tuned fast=true");
    expect(readFileSync(join(r.out, "a-ok.html"), "utf8")).toContain("threshold = 0.5");
  });

  it("rejects an unknown parameter before running anything", () => {
    const r = run([`${FIX}/a-ok.ipynb`, "--param", "nosuch=1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown parameter "nosuch".*declared: flags, label, threshold/);
    expect(existsSync(join(r.out, "a-ok.ipynb"))).toBe(false);
  });

  it("reports TypeScript and runtime errors by notebook, cell and line, runs the rest, exits non-zero", () => {
    const r = run([`${FIX}/b-ts-error.ipynb`, `${FIX}/c-runtime-error.ipynb`, `${FIX}/a-ok.ipynb`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/b-ts-error\.ipynb: cell 3, line 2: TypeScript error: .*not assignable to type 'number'/);
    expect(r.stderr).toMatch(/c-runtime-error\.ipynb: cell 4, line 3: error: Error: planted failure 3/);
    // outputs so far are kept; later cells are not run
    const cells = codeCells(join(r.out, "c-runtime-error.ipynb"));
    expect(streamText(cells[1])).toContain("before the failure");
    expect(cells[2].outputs.some((o) => o.output_type === "error")).toBe(true);
    expect(cells[3].execution_count).toBeNull();
    // the remaining notebook still ran
    expect(existsSync(join(r.out, "a-ok.ipynb"))).toBe(true);
    expect(readFileSync(join(r.out, "index.html"), "utf8")).toContain("failed");
  });

  it("stops at the first failure with --fail-fast", () => {
    const r = run([`${FIX}/b-ts-error.ipynb`, `${FIX}/a-ok.ipynb`, "--fail-fast"]);
    expect(r.code).toBe(1);
    expect(existsSync(join(r.out, "a-ok.ipynb"))).toBe(false);
  });

  it("marks a notebook that lacks its inputs as skipped (not failed) and a step that produced nothing as a warning", () => {
    const r = run([`${FIX}/d-skip.ipynb`, `${FIX}/e-warning.ipynb`]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(r.out, "run.json"), "utf8")) as { notebooks: { name: string; status: string; notes: string[]; origin: { origin: string } }[] };
    const byName = Object.fromEntries(meta.notebooks.map((n) => [n.name, n]));
    expect(byName["d-skip"].status).toBe("skipped");
    expect(byName["d-skip"].notes).toEqual(["skipped: needs the Foshan SLC stack (not in this mirror)"]);
    expect(byName["d-skip"].origin.origin).toBe("real");
    expect(byName["e-warning"].status).toBe("warning");
    expect(byName["e-warning"].origin.origin).toBe("simulated");
    // The skip cell is the last with output; its error traceback is not shown as a failure.
    const cells = codeCells(join(r.out, "d-skip.ipynb"));
    expect(cells[1].outputs.some((o) => o.output_type === "error")).toBe(false);
    expect(cells[2].execution_count).toBeNull();
    const index = readFileSync(join(r.out, "index.html"), "utf8");
    expect(index).toContain("This run rests on");
    expect(index).toMatch(/circular: the simulator planted the paper's value/);
    expect(index).toMatch(/differs \(tolerance ±0\.1\)/);
    // plotly.js is written once beside the pages, not embedded in them.
    expect(existsSync(join(r.out, "plotly.min.js"))).toBe(true);
  });

  it("a subset run updates its own index entries and keeps the others with their run dates", () => {
    const out = mkdtempSync(join(tmpdir(), "reports-"));
    const go = (nb: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", `${FIX}/${nb}`], { encoding: "utf8" });
    expect(go("a-ok.ipynb").status).toBe(0);
    expect(go("e-warning.ipynb").status).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { notebooks: { name: string; ranAt: string }[] };
    expect(meta.notebooks.map((n) => n.name)).toEqual(["a-ok", "e-warning"]);
    expect(meta.notebooks[0].ranAt < meta.notebooks[1].ranAt).toBe(true);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("a-ok.html");
  });

  it("names the .ts module and line of an error raised inside a library module, not tslab's compiled .js", () => {
    const r = run([`${FIX}/h-src-error.ipynb`, "--no-cache"]);
    expect(r.code).toBe(1);
    const line = readFileSync("src/core/dates.ts", "utf8").split("\n").findIndex((l) => l.includes("not a calendar date")) + 1;
    expect(r.stderr).toContain(`h-src-error.ipynb: cell 3, line 2, in src/core/dates.ts:${line}: error: Error: not a calendar date: "2019-13-45"`);
  });
});

