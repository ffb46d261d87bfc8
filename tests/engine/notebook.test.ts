/**
 * The engine inside a notebook: tslab compiles `src/engine` itself (CommonJS, TypeScript 5.0, a lib without
 * WebAssembly values), so this runs the real `npm run reproduce` CLI on a small notebook that registers the
 * kernels and runs a convolution and its filter gradient on the wasm backend.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CodeCell, Notebook } from "../../src/runner/notebook";

describe("engine in a notebook", () => {
  it("registers and runs under tslab", () => {
    const out = mkdtempSync(join(tmpdir(), "engine-nb-"));
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", "tests/engine/fixtures/engine-smoke.ipynb"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const nb = JSON.parse(readFileSync(join(out, "engine-smoke.ipynb"), "utf8")) as Notebook;
      const text = nb.cells
        .filter((c): c is CodeCell => c.cell_type === "code")
        .flatMap((c) => c.outputs)
        .map((o) => (o.output_type === "stream" ? (Array.isArray(o.text) ? o.text.join("") : o.text) : ""))
        .join("");
      expect(text).toContain("kernels=Conv2D,FusedConv2D,Conv2DBackpropInput,Conv2DBackpropFilter,MaxPool,MaxPoolGrad,Sum,Identity,Concat,SplitV");
      // ones 5×5×3 input, ones 3×3 filter, 'same': corner windows see 2×2×3 = 12 ones, edges 2×3×3 = 18;
      // dW[0,0,0,0] sums the input over the 4×4 positions whose top-left tap is inside: 16.
      expect(text).toContain("y=12,12,18,18,18,18 dw0=16");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
