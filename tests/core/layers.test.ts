/**
 * The layers of src/, lowest first. A module may import from its own folder and from lower layers only,
 * and no set of modules may import each other in a cycle: this keeps a CLI from loading the notebook
 * runner (and the TypeScript compiler) to write a file, and lets each area be read on its own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const LAYERS: readonly (readonly string[])[] = [
  ["core"],
  ["io"],
  ["data"],
  ["grid", "geometry", "notebook"],
  ["engine"],
  ["settlement", "sbas", "ps", "landslide"],
  ["subway"],
  ["studies"],
  ["samples"],
  ["queue"],
  ["runner", "cli"],
];

function layerOf(area: string): number {
  const i = LAYERS.findIndex((l) => l.includes(area));
  if (i < 0) throw new Error(`src/${area} is in no layer: add it to LAYERS in tests/core/layers.test.ts`);
  return i;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const SPEC = /(?:^|\s)(?:import|export)\s[^'";]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

function edges(): [string, string][] {
  const out: [string, string][] = [];
  for (const f of walk("src")) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2];
      out.push([f.replace(/\.ts$/, ""), normalize(join(dirname(f), spec)).replace(/\.(ts|js)$/, "")]);
    }
  }
  return out;
}

const area = (mod: string): string => relative("src", mod).split("/")[0];

describe("src layers", () => {
  const all = edges();

  it("every top-level entry of src/ is a folder in a layer", () => {
    const loose = readdirSync("src", { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name);
    expect(loose).toEqual([]);
    for (const e of readdirSync("src", { withFileTypes: true })) layerOf(e.name);
  });

  it("no import goes against the layer order or across areas of one layer", () => {
    const bad = all
      .filter(([a, b]) => {
        const [la, lb] = [area(a), area(b)];
        if (la === lb) return false;
        const [ia, ib] = [layerOf(la), layerOf(lb)];
        return ib > ia || (ib === ia && la !== lb && !sharedLayerAllowed(la, lb));
      })
      .map(([a, b]) => `${a} -> ${b}`);
    expect(bad).toEqual([]);
  });

  it("no import cycle", () => {
    const g = new Map<string, string[]>();
    for (const [a, b] of all) g.set(a, [...(g.get(a) ?? []), b]);
    const cycles: string[] = [];
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 1);
      stack.push(n);
      for (const m of g.get(n) ?? []) {
        if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].join(" -> "));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 2);
    };
    for (const n of g.keys()) if (!state.has(n)) visit(n);
    expect(cycles).toEqual([]);
  });
});

/** Within one layer, only these folders may import each other (one direction each). */
function sharedLayerAllowed(from: string, to: string): boolean {
  return (from === "grid" && to === "geometry") || (from === "notebook" && to === "geometry") || (from === "cli" && to === "runner");
}
