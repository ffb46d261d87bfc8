/**
 * Execution cache of `npm run reproduce`, one entry per notebook (tslab cells share state within a
 * notebook, so the whole notebook is the unit that can be replayed safely). An entry is keyed by
 * everything a run's outputs depend on:
 * - the notebook's code cells and the parameter overrides injected into it, and the data profile;
 * - the contents of every `src/` module its cells import, followed transitively, and package-lock.json;
 * - the hashes of the upstream products it reads (files under outputs/<profile>/<step>, see
 *   `NOTEBOOK_PRODUCTS`), taken right before it runs, so a change in notebook 20 that changes
 *   `foshan-ps/ps.geojson` re-runs 21–22 while one that leaves it byte-identical does not;
 * - a cheap fingerprint (path, size, mtime) of the data folders it declares, so a re-fetched or rebuilt
 *   dataset invalidates it without hashing gigabytes.
 * A hit restores the executed notebook, the worker's result and the products the notebook wrote.
 * Entries live in `.cache/reproduce/<profile>/<notebook>/<key>/` (git-ignored; DLAB_CACHE_DIR overrides),
 * the few most recently used per notebook, so returning to an earlier parameter value is a hit too.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { writeFileAtomic, writeFolderAtomic } from "../core/atomic";
import { projectRoot } from "../core/project";
import { cellSource, type Notebook } from "./notebook";
import type { WorkerResult } from "./worker";

/** Bumped when the entry layout or the key's recipe changes, so old entries are never misread. */
export const CACHE_VERSION = 1;

export interface NotebookProducts {
  /** Steps under outputs/<profile>/ whose files this notebook reads. */
  reads: string[];
  /** Steps under outputs/<profile>/ this notebook writes (restored on a cache hit). */
  writes: string[];
  /** Folders, relative to the data directory and to each mirror folder, whose files it reads. */
  data: string[];
  /** Never restored: what it shows depends on the machine (tool versions, paths), not on its inputs. */
  volatile?: boolean;
}

/**
 * The project notebooks' products, from their code (`outputsDir(...)`, `psOutputFile()`). A notebook
 * not listed here may declare its own in its metadata: `"dlab": {"reads": [], "writes": [], "data": []}`.
 */
export const NOTEBOOK_PRODUCTS: Record<string, NotebookProducts> = {
  "00-environment": { reads: [], writes: [], data: [], volatile: true },
  "10-zigui-features": { reads: [], writes: ["zigui-features"], data: ["samples", "zigui", "l4s-sample"] },
  "11-zigui-training": { reads: [], writes: ["zigui-training"], data: ["samples", "zigui", "l4s-sample"] },
  "12-zigui-identification": { reads: ["zigui-training"], writes: ["zigui-identification"], data: ["samples", "zigui", "l4s-sample"] },
  "13-zigui-sbas": { reads: [], writes: ["zigui-sbas"], data: ["samples", "zigui", "hyp3-sample"] },
  "20-foshan-ps": { reads: [], writes: ["foshan-ps"], data: ["samples", "foshan", "pyrate-cropA"] },
  "21-foshan-subway": { reads: ["foshan-ps"], writes: ["foshan-subway"], data: ["samples", "foshan"] },
  "22-foshan-settlement": { reads: ["foshan-ps"], writes: [], data: ["samples", "foshan"] },
};

export function productsOf(name: string, nb: Notebook): NotebookProducts {
  const meta = (nb.metadata.dlab ?? undefined) as Partial<NotebookProducts> | undefined;
  if (meta && (meta.reads || meta.writes || meta.data || meta.volatile)) {
    return { reads: meta.reads ?? [], writes: meta.writes ?? [], data: meta.data ?? [], volatile: meta.volatile };
  }
  return NOTEBOOK_PRODUCTS[name] ?? { reads: [], writes: [], data: [] };
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Every file below `dir` (sorted, relative, `/`-separated); none when it does not exist. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out;
}

/** Content hashes of the files below `dir`. */
export function hashTree(dir: string): Record<string, string> {
  return Object.fromEntries(listTree(dir).map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

/** Path, size and mtime of every file below `dir`: changes when a file is replaced, without reading it. */
function statTree(dir: string): string {
  if (!existsSync(dir)) return "absent";
  if (statSync(dir).isFile()) {
    const s = statSync(dir);
    return `${s.size}:${s.mtimeMs}`;
  }
  return sha256(listTree(dir).map((f) => {
    const s = statSync(join(dir, f));
    return `${f}\t${s.size}\t${s.mtimeMs}`;
  }).join("\n"));
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;

function resolveModule(fromDir: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(fromDir, spec);
  for (const p of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/**
 * The project files the notebook's cells import, followed transitively through relative imports
 * (packages are covered by package-lock.json), with their content hashes.
 */
export function importClosure(nb: Notebook, root: string = projectRoot()): Record<string, string> {
  const seen = new Map<string, string>();
  const queue: string[] = [];
  const scan = (text: string, fromDir: string): void => {
    for (const m of text.matchAll(IMPORT_RE)) {
      const f = resolveModule(fromDir, m[1]);
      if (f && !seen.has(f)) {
        const content = readFileSync(f);
        seen.set(f, sha256(content));
        if (/\.(ts|tsx|js|mjs|cjs)$/.test(f)) queue.push(f);
      }
    }
  };
  for (const c of nb.cells) if (c.cell_type === "code") scan(cellSource(c), root);
  while (queue.length) {
    const f = queue.shift() as string;
    scan(readFileSync(f, "utf8"), dirname(f));
  }
  return Object.fromEntries([...seen.entries()].map(([f, h]) => [relative(root, f).split("\\").join("/"), h] as const).sort((a, b) => a[0].localeCompare(b[0])));
}

const RUNNER_MODULES = ["src/runner/execute.ts", "src/runner/worker.ts", "src/runner/notebook.ts"];

export interface CacheKeyInput {
  name: string;
  notebook: Notebook;
  profile: string;
  overrides: Record<string, unknown>;
  products: NotebookProducts;
  /** outputs/<profile>/ (where the products live). */
  outputsRoot: string;
  dataDir: string;
  mirrors: string[];
}

export interface CacheKey {
  key: string;
  /** What went into the key, kept in the entry so a miss can say what changed. */
  parts: Record<string, string>;
}

export function cacheKey(k: CacheKeyInput, root: string = projectRoot()): CacheKey {
  const code = k.notebook.cells.filter((c) => c.cell_type === "code").map((c) => cellSource(c));
  const lock = join(root, "package-lock.json");
  const parts: Record<string, string> = {
    version: String(CACHE_VERSION),
    node: process.version,
    profile: k.profile,
    code: sha256(JSON.stringify(code)),
    parameters: sha256(JSON.stringify(Object.entries(k.overrides).sort((a, b) => a[0].localeCompare(b[0])))),
    modules: sha256(JSON.stringify(importClosure(k.notebook, root))),
    packages: existsSync(lock) ? sha256(readFileSync(lock)) : "none",
    // How cells are executed and outputs recorded is part of what a cached notebook holds.
    runner: sha256(RUNNER_MODULES.map((f) => (existsSync(join(root, f)) ? sha256(readFileSync(join(root, f))) : "absent")).join("\n")),
  };
  for (const step of k.products.reads) parts[`reads:${step}`] = sha256(JSON.stringify(hashTree(join(k.outputsRoot, step))));
  for (const d of k.products.data) {
    parts[`data:${d}`] = sha256([k.dataDir, ...k.mirrors].map((base) => statTree(join(base, d))).join("\n"));
  }
  return { key: sha256(JSON.stringify(parts)), parts };
}

export function cacheRoot(profile: string, root: string = projectRoot()): string {
  return resolve(process.env.DLAB_CACHE_DIR ?? join(root, ".cache"), "reproduce", profile);
}

interface EntryMeta {
  key: string;
  parts: Record<string, string>;
  writes: string[];
  storedAt: string;
}

export interface CacheHit {
  /** The entry's folder (pass it to `restoreProducts`). */
  dir: string;
  notebook: string;
  result: WorkerResult;
  storedAt: string;
}

/** Entries kept per notebook: going back to an earlier parameter value is still a hit. */
export const ENTRIES_PER_NOTEBOOK = 4;

function entryDir(cacheDir: string, name: string, key: string): string {
  return join(cacheDir, name, key.slice(0, 24));
}

function readMeta(dir: string): EntryMeta | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "entry.json"), "utf8")) as EntryMeta;
  } catch {
    return undefined;
  }
}

/** A notebook's entries, most recently used first. */
function entries(cacheDir: string, name: string): string[] {
  const dir = join(cacheDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "entry.json")))
    .map((e) => join(dir, e.name))
    .sort((a, b) => statSync(join(b, "entry.json")).mtimeMs - statSync(join(a, "entry.json")).mtimeMs);
}

/**
 * The entry for this key, or why there is none: `changed` names the parts of the key that differ from
 * the most recently used entry.
 */
export function lookup(cacheDir: string, name: string, key: CacheKey): { hit?: CacheHit; changed: string[] } {
  const dir = entryDir(cacheDir, name, key.key);
  const meta = readMeta(dir);
  if (meta && meta.key === key.key && existsSync(join(dir, "result.json"))) {
    const now = new Date();
    utimesSync(join(dir, "entry.json"), now, now);
    return {
      hit: { dir, notebook: join(dir, "notebook.ipynb"), result: JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as WorkerResult, storedAt: meta.storedAt },
      changed: [],
    };
  }
  const latest = entries(cacheDir, name).map(readMeta).find((m) => m !== undefined);
  if (!latest) return { changed: ["no entry"] };
  const names = new Set([...Object.keys(latest.parts), ...Object.keys(key.parts)]);
  return { changed: [...names].filter((n) => latest.parts[n] !== key.parts[n]).sort() };
}

/**
 * Stores a run: the executed notebook, the worker's result, a copy of each step it writes and the
 * files it wrote beside its report page (`assets`, e.g. tsview chunks). Keeps the notebook's
 * ENTRIES_PER_NOTEBOOK most recently used entries.
 */
export async function store(cacheDir: string, name: string, key: CacheKey, executed: string, result: WorkerResult, writes: string[], outputsRoot: string, assets?: string): Promise<void> {
  mkdirSync(join(cacheDir, name), { recursive: true });
  await writeFolderAtomic(entryDir(cacheDir, name, key.key), (staging) => {
    cpSync(executed, join(staging, "notebook.ipynb"));
    writeFileAtomic(join(staging, "result.json"), JSON.stringify(result));
    for (const step of writes) {
      const src = join(outputsRoot, step);
      if (existsSync(src)) cpSync(src, join(staging, "products", step), { recursive: true });
    }
    if (assets && existsSync(assets)) cpSync(assets, join(staging, "assets"), { recursive: true });
    const meta: EntryMeta = { key: key.key, parts: key.parts, writes, storedAt: new Date().toISOString() };
    writeFileAtomic(join(staging, "entry.json"), JSON.stringify(meta, null, 1));
  });
  for (const old of entries(cacheDir, name).slice(ENTRIES_PER_NOTEBOOK)) rmSync(old, { recursive: true, force: true });
}

/**
 * Puts the products of a hit back under outputs/<profile>/: each step the notebook writes is replaced
 * by the cached copy (or removed when the cached run wrote nothing there), as a run would leave it;
 * likewise the files beside its report page.
 */
export function restoreProducts(hit: CacheHit, writes: string[], outputsRoot: string, assets?: string): void {
  const cachedAssets = join(hit.dir, "assets");
  if (assets) {
    rmSync(assets, { recursive: true, force: true });
    if (existsSync(cachedAssets)) cpSync(cachedAssets, assets, { recursive: true });
  }
  for (const step of writes) {
    const dest = join(outputsRoot, step);
    const src = join(hit.dir, "products", step);
    if (existsSync(src) && JSON.stringify(hashTree(src)) === JSON.stringify(hashTree(dest))) continue;
    rmSync(dest, { recursive: true, force: true });
    if (existsSync(src)) {
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(src, dest, { recursive: true, preserveTimestamps: true });
    }
  }
}
