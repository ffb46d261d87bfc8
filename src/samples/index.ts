/**
 * Builds the registered sample datasets (seeded simulators with ground truth) into
 * `<data dir>/samples/<id>/`. Each folder carries a stamp (id, version, seed, size and the hash of
 * every file) so a build is reused while those match and redone when the simulator's version, the
 * seed or the size changes. A dataset is built in a temporary folder and swapped in by rename, so an
 * interrupted or failed build leaves the previous copy intact.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { dataDir } from "../core/project";
import { hashFile } from "../data/download";
import { SAMPLE_DATASETS, type SampleDataset } from "./registry";

export { SAMPLE_DATASETS };
export type { SampleDataset, SampleBuildOptions } from "./registry";

export const STAMP_FILE = ".dlab-sample.json";
/** The seed `npm run data -- samples` uses unless `--seed` says otherwise (any fixed value works). */
export const DEFAULT_SAMPLE_SEED = 20250119;

export interface SampleStamp {
  id: string;
  version: string;
  seed: number;
  size: number;
  files: { path: string; size: number; sha256: string }[];
}

export interface SampleBuildRequest {
  dataDir?: string;
  seed?: number;
  size?: number;
  /** Only these dataset ids (default all registered). */
  only?: string[];
  /** Rebuild even when the stamp matches. */
  force?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface SampleBuildOutcome {
  id: string;
  dir: string;
  status: "built" | "cached";
  files: number;
  bytes: number;
  seconds: number;
}

export function samplesDir(dir?: string): string {
  return join(dataDir(dir), "samples");
}

export function sampleDir(id: string, dir?: string): string {
  return join(samplesDir(dir), id);
}

export function readStamp(folder: string): SampleStamp | undefined {
  const f = join(folder, STAMP_FILE);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as SampleStamp;
  } catch {
    return undefined;
  }
}

export function stampMatches(stamp: SampleStamp | undefined, ds: SampleDataset, seed: number, size: number): boolean {
  return !!stamp && stamp.id === ds.id && stamp.version === ds.version && stamp.seed === seed && stamp.size === size;
}

async function listFiles(root: string): Promise<SampleStamp["files"]> {
  const out: SampleStamp["files"] = [];
  const walk = async (d: string): Promise<void> => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (ent.isFile() && ent.name !== STAMP_FILE) {
        const h = await hashFile(p);
        out.push({ path: relative(root, p).split("\\").join("/"), size: h.size, sha256: h.sha256 });
      }
    }
  };
  await walk(root);
  return out;
}

export function selectDatasets(registry: SampleDataset[], only?: string[]): SampleDataset[] {
  if (!only?.length) return registry;
  const known = registry.map((d) => d.id);
  const unknown = only.filter((id) => !known.includes(id));
  if (unknown.length) {
    throw new Error(`Unknown sample dataset(s) ${unknown.join(", ")}; registered: ${known.join(", ") || "(none yet)"}`);
  }
  return registry.filter((d) => only.includes(d.id));
}

/** Builds (or reuses) each requested sample dataset. */
export async function buildSamples(req: SampleBuildRequest = {}, registry: SampleDataset[] = SAMPLE_DATASETS): Promise<SampleBuildOutcome[]> {
  const seed = req.seed ?? DEFAULT_SAMPLE_SEED;
  const size = req.size ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${seed}`);
  if (!(size > 0)) throw new Error(`--size must be a positive number, got ${size}`);
  const root = samplesDir(req.dataDir);
  mkdirSync(root, { recursive: true });
  const log = req.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const out: SampleBuildOutcome[] = [];
  for (const ds of selectDatasets(registry, req.only)) {
    const final = join(root, ds.id);
    const t0 = Date.now();
    const stamp = readStamp(final);
    if (!req.force && stampMatches(stamp, ds, seed, size)) {
      out.push({ id: ds.id, dir: final, status: "cached", files: stamp!.files.length, bytes: stamp!.files.reduce((s, f) => s + f.size, 0), seconds: 0 });
      continue;
    }
    if (!req.quiet) log(`building sample ${ds.id} (version ${ds.version}, seed ${seed}, size ${size})${stamp ? ` — replacing version ${stamp.version}, seed ${stamp.seed}, size ${stamp.size}` : ""}`);
    const tmp = join(root, `.${ds.id}.building-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      await ds.build(tmp, { seed, size, quiet: req.quiet });
      const files = await listFiles(tmp);
      if (files.length === 0) throw new Error(`sample simulator ${ds.id} wrote no files`);
      const newStamp: SampleStamp = { id: ds.id, version: ds.version, seed, size, files };
      writeFileSync(join(tmp, STAMP_FILE), JSON.stringify(newStamp, null, 1) + "\n");
      const old = join(root, `.${ds.id}.old-${process.pid}`);
      if (existsSync(final)) renameSync(final, old);
      renameSync(tmp, final);
      rmSync(old, { recursive: true, force: true });
      out.push({ id: ds.id, dir: final, status: "built", files: files.length, bytes: files.reduce((s, f) => s + f.size, 0), seconds: (Date.now() - t0) / 1000 });
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`Building sample dataset ${ds.id} failed: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Re-hashes a built sample dataset against its stamp; returns the problems found. */
export async function verifySample(id: string, dir?: string): Promise<string[]> {
  const folder = sampleDir(id, dir);
  const stamp = readStamp(folder);
  if (!stamp) return [`${folder} has no ${STAMP_FILE} (run: npm run data -- samples --only ${id})`];
  const now = await listFiles(folder);
  const problems: string[] = [];
  const byPath = new Map(now.map((f) => [f.path, f]));
  for (const f of stamp.files) {
    const n = byPath.get(f.path);
    if (!n) problems.push(`${id}/${f.path}: missing`);
    else if (n.sha256 !== f.sha256) problems.push(`${id}/${f.path}: sha256 mismatch: expected ${f.sha256}, actual ${n.sha256}`);
  }
  return problems;
}
