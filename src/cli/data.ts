/**
 * `npm run data -- <command>`: list, fetch, verify and locate the manifest datasets, and build the
 * sample datasets. Returns an exit code instead of exiting so tests can drive it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatBytes } from "../core/progress";
import { dataDir } from "../core/project";
import { redact } from "../data/credentials";
import { datasetDir, fetchDataset, verifyDataset } from "../data/fetch";
import { findManifest, loadManifests, manifestsDir, type Manifest } from "../data/manifest";
import { mirrorDirs } from "../data/mirror";
import { checkDatasetId } from "../data/paths";
import { isQuiet } from "../data/quiet";
import { buildSamples, readStamp, samplesDir, verifySample, SAMPLE_DATASETS } from "../samples/index";
import { datasetPath, samplePath } from "../samples/locate";
import type { SampleDataset } from "../samples/registry";

export const USAGE = `Usage: npm run data -- <command> [options]

Commands:
  list                          datasets described in data-manifests/ and whether they are here
  fetch <id...>                 fetch datasets (mirror first, then the network), verified by sha256
  verify [<id...>]              re-hash fetched datasets (default: every fetched one and the samples)
  path <id> | path samples      print the folder of a dataset or of the sample datasets
  samples [--size N] [--seed N] [--only id]... [--force]
                                build the simulated sample datasets (cached per version/seed/size)

Options:
  --data-dir <dir>              data directory (default: $DLAB_DATA_DIR or <project>/data)
  --manifests <dir>             read manifests from this folder (default: $DLAB_MANIFESTS_DIR or data-manifests/);
                                ids are always plain names of manifests in it, never paths
  --mirror <dir>                resolve files by sha256 from this folder first (repeatable; also $DLAB_MIRROR)
  --offline                     never use the network (fetch)
  --refresh-search              re-run search specifications instead of the pinned products.json (fetch)
  --retries <n>                 download retries after the first attempt (default 5)
  --quiet                       no progress bars (also DLAB_QUIET=1)
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface ParsedArgs {
  command?: string;
  positional: string[];
  dataDir?: string;
  mirrors: string[];
  only: string[];
  flags: Set<string>;
  numbers: Record<string, number>;
}

const VALUE_OPTS = new Set(["--data-dir", "--mirror", "--only", "--size", "--seed", "--retries", "--manifests"]);
const BOOL_OPTS = new Set(["--offline", "--refresh-search", "--force", "--quiet", "--help", "-h"]);

export function parseArgs(argv: string[]): ParsedArgs {
  const a: ParsedArgs = { positional: [], mirrors: [], only: [], flags: new Set(), numbers: {} };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (VALUE_OPTS.has(arg)) {
      value ??= argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === "--data-dir") a.dataDir = value;
      else if (arg === "--mirror") a.mirrors.push(value);
      else if (arg === "--only") a.only.push(...value.split(",").filter(Boolean));
      else if (arg === "--manifests") a.flags.add(`manifests=${value}`);
      else {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new UsageError(`${arg} needs a number, got ${JSON.stringify(value)}`);
        a.numbers[arg.slice(2)] = n;
      }
    } else if (BOOL_OPTS.has(arg)) a.flags.add(arg);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!a.command) a.command = arg;
    else a.positional.push(arg);
  }
  return a;
}

export class UsageError extends Error {}

function manifestDirOf(a: ParsedArgs): string {
  const f = [...a.flags].find((x) => x.startsWith("manifests="));
  return f ? f.slice("manifests=".length) : manifestsDir();
}

/** The positional ids, each a plain manifest id; a path is a usage error, not a file to open. */
function datasetIds(a: ParsedArgs): string[] {
  const dir = manifestDirOf(a);
  return a.positional.map((id) => {
    try {
      return checkDatasetId(id, dir);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
}

function manifestSummary(m: Manifest, dir: string): Record<string, string> {
  const bytes = m.files.reduce((s, f) => s + (f.size ?? 0), 0);
  const here = existsSync(datasetDir(m.id, dir)) ? "fetched" : "";
  const what = [
    m.files.length ? `${m.files.length} file(s), ${formatBytes(bytes)}` : "",
    m.search?.length ? `search: ${m.search.map((s) => s.provider + (s.expectedCount ? ` (${s.expectedCount})` : "")).join(", ")}` : "",
  ].filter(Boolean).join("; ");
  return { id: m.id, content: what, account: m.account ?? "", status: here, title: m.title };
}

function printTable(rows: Record<string, string>[], io: CliIo): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(w[i])).join("  ").trimEnd();
  io.out(line(cols));
  io.out(line(w.map((n) => "-".repeat(n))));
  for (const r of rows) io.out(line(cols.map((c) => r[c])));
}

export async function runCli(argv: string[], io: CliIo = defaultIo(), registry: SampleDataset[] = SAMPLE_DATASETS): Promise<number> {
  let a: ParsedArgs;
  try {
    a = parseArgs(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (a.flags.has("--help") || a.flags.has("-h")) {
    io.out(USAGE);
    return 0;
  }
  if (!a.command) {
    io.err(USAGE);
    return 2;
  }
  const dir = dataDir(a.dataDir);
  const quiet = isQuiet(a.flags.has("--quiet"));
  try {
    switch (a.command) {
      case "list": {
        const ms = loadManifests(manifestDirOf(a));
        printTable(ms.map((m) => manifestSummary(m, dir)), io);
        const sampleState = (d: SampleDataset): string => {
          const st = readStamp(join(samplesDir(dir), d.id));
          if (!st) return "not built";
          return st.version === d.version ? `built, seed ${st.seed}, size ${st.size}` : `stale: built from v${st.version}`;
        };
        io.out(`\nsample datasets (${samplesDir(dir)}): ${registry.map((d) => `${d.id} v${d.version} (${sampleState(d)})`).join(", ") || "(none registered yet)"}`);
        return 0;
      }
      case "fetch": {
        if (!a.positional.length) throw new UsageError("fetch needs at least one dataset id (see: npm run data -- list)");
        const manifests = datasetIds(a).map((id) => findManifest(id, manifestDirOf(a)));
        const mirrors = mirrorDirs(a.mirrors);
        let failed = 0;
        for (const m of manifests) {
          const r = await fetchDataset(m, {
            dataDir: dir,
            mirrors,
            offline: a.flags.has("--offline"),
            refreshSearch: a.flags.has("--refresh-search"),
            retries: a.numbers.retries,
            quiet,
            log: io.err,
          });
          const count = (s: string): number => r.outcomes.filter((o) => o.status === s).length;
          const bytes = r.outcomes.reduce((s, o) => s + (o.status !== "failed" ? (o.bytes ?? 0) : 0), 0);
          for (const o of r.outcomes.filter((x) => x.status === "failed")) io.err(`error: ${m.id}/${o.path}: ${o.error}`);
          failed += count("failed");
          io.out(
            `${m.id}: ${count("fetched")} downloaded, ${count("mirrored")} from mirror, ${count("present")} already present, ` +
              `${count("failed")} failed (${formatBytes(bytes)}) → ${r.dir}`,
          );
        }
        return failed ? 1 : 0;
      }
      case "verify": {
        const md = manifestDirOf(a);
        const explicit = a.positional.length > 0;
        const manifests = explicit
          ? datasetIds(a).filter((id) => id !== "samples").map((id) => findManifest(id, md))
          : loadManifests(md).filter((m) => existsSync(datasetDir(m.id, dir)));
        let bad = 0;
        for (const m of manifests) {
          const r = await verifyDataset(m, { dataDir: dir, quiet });
          for (const p of r.problems) io.err(`${m.id}/${p.path}: ${p.problem}`);
          bad += r.problems.length;
          io.out(`${m.id}: ${r.problems.length ? `${r.problems.length} problem(s)` : "ok"} (${r.checked} file(s) checked)`);
        }
        if (!explicit || a.positional.includes("samples")) {
          for (const ds of registry) {
            if (!existsSync(`${samplesDir(dir)}/${ds.id}`)) continue;
            const probs = await verifySample(ds.id, dir);
            for (const p of probs) io.err(`samples/${p}`);
            bad += probs.length;
            io.out(`samples/${ds.id}: ${probs.length ? `${probs.length} problem(s)` : "ok"}`);
          }
        }
        if (!manifests.length && explicit === false) io.out(`nothing fetched yet in ${dir}`);
        return bad ? 1 : 0;
      }
      case "path": {
        if (a.positional.length !== 1) throw new UsageError("path needs one dataset id, or 'samples'");
        const [id] = datasetIds(a);
        if (id === "samples") io.out(samplesDir(dir));
        else if (registry.some((d) => d.id === id) && !existsSync(`${manifestDirOf(a)}/${id}.json`)) io.out(samplePath(id, { dataDir: dir, registry }));
        else {
          findManifest(id, manifestDirOf(a));
          io.out(datasetPath(id, { dataDir: dir }));
        }
        return 0;
      }
      case "samples": {
        const results = await buildSamples(
          { dataDir: dir, seed: a.numbers.seed, size: a.numbers.size, only: a.only.length ? a.only : undefined, force: a.flags.has("--force"), quiet, log: io.err },
          registry,
        );
        if (!results.length) io.out("no sample datasets are registered yet (src/samples/registry.ts)");
        for (const r of results) {
          io.out(`${r.id}: ${r.status} — ${r.files} file(s), ${formatBytes(r.bytes)}${r.status === "built" ? `, ${r.seconds.toFixed(1)} s` : ""} → ${r.dir}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${a.command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`error: ${redact((e as Error).message)}`);
    return 1;
  }
}

function defaultIo(): CliIo {
  return { out: (l) => process.stdout.write(l + "\n"), err: (l) => process.stderr.write(l + "\n") };
}
