/**
 * The execution cache through the real CLI: fixture f-product writes outputs/<profile>/fixture-product,
 * g-reader reads it, a-ok neither. A cached run must leave byte-identical reports and products.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheKey, importClosure, lookup, productsOf, store } from "../../src/runner/cache";
import { readNotebook } from "../../src/runner/notebook";

const FIX = "tests/fixtures/notebooks";
const NBS = [`${FIX}/a-ok.ipynb`, `${FIX}/f-product.ipynb`, `${FIX}/g-reader.ipynb`];

interface Summary {
  name: string;
  cache?: { restored: boolean; why?: string };
}

function runner(cacheDir: string, outputsDir: string) {
  return (out: string, extra: string[] = []): Record<string, Summary> => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", "--no-figures", ...NBS, ...extra], {
      encoding: "utf8",
      env: { ...process.env, DLAB_CACHE_DIR: cacheDir, DLAB_OUTPUTS_DIR: outputsDir },
    });
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { notebooks: Summary[] };
    return Object.fromEntries(meta.notebooks.map((n) => [n.name, n]));
  };
}

const restored = (s: Record<string, Summary>): string[] => Object.values(s).filter((n) => n.cache?.restored).map((n) => n.name).sort();

describe("npm run reproduce with the execution cache", () => {
  it("restores unchanged notebooks byte-identically, re-runs what a change touches, --no-cache runs all", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cache-"));
    const outputs = join(tmp, "outputs");
    const product = join(outputs, "sample", "fixture-product", "values.json");
    const go = runner(join(tmp, "cache"), outputs);

    const first = go(join(tmp, "r1"));
    expect(restored(first)).toEqual([]);
    expect(first["f-product"].cache?.why).toBe("no entry");
    const productBytes = readFileSync(product);
    expect(JSON.parse(productBytes.toString())).toEqual({ values: [12, 18] });

    // The product is gone before the second run: the cache must put it back.
    rmSync(outputs, { recursive: true, force: true });
    const second = go(join(tmp, "r2"));
    expect(restored(second)).toEqual(["a-ok", "f-product", "g-reader"]);
    expect(readFileSync(product).equals(productBytes)).toBe(true);
    // Files written beside the report page (tsview chunks) come back with it.
    const chunk = join("assets", "f-product", "fixture-ts", "chunk-0000.bin");
    expect(readFileSync(join(tmp, "r2", chunk)).equals(readFileSync(join(tmp, "r1", chunk)))).toBe(true);
    for (const f of readdirSync(join(tmp, "r1")).filter((f) => /\.(ipynb|html)$/.test(f) && f !== "index.html")) {
      expect(readFileSync(join(tmp, "r2", f)).equals(readFileSync(join(tmp, "r1", f))), f).toBe(true);
    }

    // A parameter change that leaves the product byte-identical re-runs only its notebook.
    const same = go(join(tmp, "r3"), ["--param", "cut=5.5"]);
    expect(restored(same)).toEqual(["a-ok", "g-reader"]);
    expect(same["f-product"].cache?.why).toBe("parameters");

    // One that changes the product re-runs the reader too, and says why.
    const changed = go(join(tmp, "r4"), ["--param", "scale=3"]);
    expect(restored(changed)).toEqual(["a-ok"]);
    expect(changed["g-reader"].cache?.why).toBe("reads:fixture-product");
    expect(JSON.parse(readFileSync(product, "utf8"))).toEqual({ values: [18, 27] });
    const g = readNotebook(join(tmp, "r4", "g-reader.ipynb"));
    expect(JSON.stringify(g.cells[2])).toContain("sum 46");

    // Back to the defaults: the earlier entries are still there.
    const back = go(join(tmp, "r6"));
    expect(restored(back)).toEqual(["a-ok", "f-product", "g-reader"]);
    expect(readFileSync(product).equals(productBytes)).toBe(true);

    const forced = go(join(tmp, "r5"), ["--param", "scale=3", "--no-cache"]);
    expect(restored(forced)).toEqual([]);
    expect(forced["a-ok"].cache?.why).toBe("--no-cache");
  }, 240_000);

  it("keys a notebook by the project modules its cells import, followed transitively", () => {
    const nb = readNotebook(`${FIX}/f-product.ipynb`);
    const files = Object.keys(importClosure(nb));
    expect(files).toContain("src/core/project.ts");
    expect(files).toContain("src/notebook/display.ts");
    expect(files.every((f) => f.startsWith("src/"))).toBe(true);
    expect(files).not.toContain("src/runner/reproduce.ts");
  });

  it("a key changes with the upstream product, the parameters and the data, and a miss names what changed", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "cache-key-"));
    const outputsRoot = join(tmp, "outputs");
    const data = join(tmp, "data");
    mkdirSync(join(outputsRoot, "fixture-product"), { recursive: true });
    mkdirSync(join(data, "set"), { recursive: true });
    writeFileSync(join(outputsRoot, "fixture-product", "values.json"), "[1]");
    writeFileSync(join(data, "set", "a.bin"), "x");
    const nb = readNotebook(`${FIX}/g-reader.ipynb`);
    const products = { ...productsOf("g-reader", nb), data: ["set"] };
    expect(products.reads).toEqual(["fixture-product"]);
    const key = (overrides: Record<string, unknown> = {}) => cacheKey({ name: "g-reader", notebook: nb, profile: "sample", overrides, products, outputsRoot, dataDir: data, mirrors: [] });
    const k0 = key();
    expect(key().key).toBe(k0.key);
    const executed = join(tmp, "g.ipynb");
    writeFileSync(executed, "{}");
    const cacheDir = join(tmp, "cache");
    await store(cacheDir, "g-reader", k0, executed, { ok: true, durationMs: 1, cellDurationsMs: [], parameters: {}, comparisons: [], statuses: [] }, [], outputsRoot);
    expect(lookup(cacheDir, "g-reader", key()).hit).toBeDefined();
    expect(lookup(cacheDir, "g-reader", key({ offset: 2 })).changed).toEqual(["parameters"]);
    writeFileSync(join(outputsRoot, "fixture-product", "values.json"), "[2]");
    expect(lookup(cacheDir, "g-reader", key()).changed).toEqual(["reads:fixture-product"]);
    writeFileSync(join(outputsRoot, "fixture-product", "values.json"), "[1]");
    writeFileSync(join(data, "set", "b.bin"), "y");
    expect(lookup(cacheDir, "g-reader", key()).changed).toEqual(["data:set"]);
    // Without its own metadata, a project notebook takes the runner's manifest.
    expect(productsOf("00-environment", readNotebook(`${FIX}/a-ok.ipynb`)).volatile).toBe(true);
  });
});
