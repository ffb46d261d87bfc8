/**
 * `npm run reproduce [-- notebooks...] [--param name=value]... [--profile sample|mirror|full]
 * [--fail-fast] [--out dir] [--quiet] [--no-cache]`: executes notebooks in file-name order, each in its own
 * process, and writes for each an executed `.ipynb` and an HTML page under `reports/`, plus
 * `reports/index.html` and `reports/run.json` with the run's metadata and every paper-vs-run comparison.
 * A notebook whose code, parameters, imported modules, upstream products and data are unchanged is
 * restored from the execution cache (src/runner/cache.ts) instead of being run.
 */
import { spawn, execFileSync } from "node:child_process";
import { profileOrigin, type DataOrigin, type NotebookStatus } from "../notebook/status";
import { optionHelp, parseCommand, runCli, type OptionTable } from "../core/cli";
import { UsageError } from "../core/errors";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import type { Comparison } from "../notebook/display";
import { declaredParameters, findParametersCell, cellSource, parseParamAssignments, readNotebook, type ParamValue } from "./notebook";
import { writeFileAtomic } from "../core/atomic";
import { renderNotebookHtml, writePlotlyBeside } from "./html";
import { checkOverrides } from "./param-check";
import { renderIndexHtml, type RunMetadata, type NotebookSummary } from "./report";
import type { WorkerJob, WorkerResult } from "./worker";
import { exportFigures, type NotebookFigures } from "./figures";
import { cacheKey, cacheRoot, lookup, productsOf, restoreProducts, store } from "./cache";
import { dataDir, outputsDir, projectRoot, reportsDir, type DataProfile } from "../core/project";
import { mirrorDirs } from "../data/mirror";

export interface ReproduceOptions {
  notebooks: string[];
  params: string[];
  profile: string;
  failFast: boolean;
  outDir?: string;
  quiet: boolean;
  /** Run every notebook even when the cache holds an entry for it (the new results are stored). */
  noCache?: boolean;
  /** Skip writing reports/figures/. */
  noFigures?: boolean;
}

const OPTIONS = {
  param: { type: "string", multiple: true, value: "name=value", description: 'override a parameter of the notebooks\' "parameters" cell' },
  profile: { type: "string", value: "NAME", description: "data profile: sample (simulated data), mirror (real files from a mirror folder, DLAB_MIRROR), full (fetched datasets)", defaultText: "sample, or DLAB_PROFILE" },
  "fail-fast": { type: "boolean", description: "stop at the first failing notebook (default: run the rest, then exit 1)" },
  out: { type: "string", value: "DIR", description: "reports folder", defaultText: "reports/, or DLAB_REPORTS_DIR" },
  quiet: { type: "boolean", description: "do not echo cell output while running" },
  "no-figures": { type: "boolean", description: "do not write reports/figures/ (SVG and 300-dpi PNG of every figure, figures.json)" },
  "no-cache": { type: "boolean", description: "run every notebook; do not restore unchanged ones from .cache/" },
  help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;

export const USAGE = `Usage: npm run reproduce -- [notebooks/NN-name.ipynb ...] [options]

Executes the notebooks (default: every notebook in notebooks/, in file-name order) headless with tslab
and writes reports/<name>.ipynb (executed), reports/<name>.html and reports/index.html.

Options:
${optionHelp(OPTIONS)}`;

export function parseArgs(argv: string[]): ReproduceOptions {
  const { options: o, positionals } = parseCommand(argv, OPTIONS, true);
  if (o.help) throw new HelpRequested();
  const profile = o.profile ?? process.env.DLAB_PROFILE ?? "sample";
  if (!["sample", "mirror", "full"].includes(profile)) throw new UsageError(`--profile must be sample, mirror or full, not "${profile}"`);
  return { notebooks: positionals, params: o.param, profile, failFast: o["fail-fast"], outDir: o.out, quiet: o.quiet, noCache: o["no-cache"], noFigures: o["no-figures"] };
}

export class HelpRequested extends Error {}

export function listNotebooks(root: string, given: string[]): string[] {
  if (given.length) {
    return given.map((g) => {
      const p = resolve(g);
      if (!existsSync(p)) throw new UsageError(`${g}: no such notebook`);
      if (!p.endsWith(".ipynb")) throw new UsageError(`${g}: not a .ipynb file`);
      return p;
    });
  }
  const dir = join(root, "notebooks");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => join(dir, f));
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function runWorker(root: string, job: WorkerJob): Promise<WorkerResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "runner", "worker.ts"), JSON.stringify(job)], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: process.env,
    });
    child.on("exit", (code, signal) => {
      if (existsSync(job.resultFile)) {
        done(JSON.parse(readFileSync(job.resultFile, "utf8")) as WorkerResult);
      } else {
        done({
          ok: false,
          durationMs: 0,
          cellDurationsMs: [],
          parameters: {},
          comparisons: [],
          statuses: [],
          setupError: `notebook process ended with ${signal ? `signal ${signal}` : `exit code ${code}`} before finishing (out of memory?)`,
        });
      }
    });
  });
}

export function failureText(name: string, r: WorkerResult): string {
  if (r.setupError) return `${name}: ${r.setupError}`;
  if (!r.failure) return "";
  const f = r.failure;
  const where =
    f.fileLine !== undefined && f.file
      ? `cell ${f.cell}${f.line ? `, line ${f.line}` : ""}, in ${f.file}:${f.fileLine}`
      : f.file
        ? `cell ${f.cell}, in ${f.file}${f.line ? ` line ${f.line}` : ""}`
        : `cell ${f.cell}${f.line ? `, line ${f.line}` : ""}`;
  return `${name}: ${where}: ${f.kind === "typescript" ? "TypeScript error" : "error"}: ${f.message}`;
}

export async function reproduce(opts: ReproduceOptions): Promise<{ ok: boolean; summaries: NotebookSummary[]; outDir: string }> {
  const root = projectRoot();
  const outDir = reportsDir(opts.outDir);
  const files = listNotebooks(root, opts.notebooks);
  if (files.length === 0) throw new UsageError("no notebooks to run");
  const overrides: Record<string, ParamValue> = parseParamAssignments(opts.params);
  // A parameter must exist in at least one selected notebook; the others ignore it.
  const declared = new Map<string, Set<string>>();
  for (const f of files) {
    const nb = readNotebook(f);
    const idx = findParametersCell(nb);
    declared.set(f, new Set(idx < 0 ? [] : declaredParameters(cellSource(nb.cells[idx])).map((d) => d.name)));
  }
  for (const name of Object.keys(overrides)) {
    if (![...declared.values()].some((s) => s.has(name))) {
      const names = [...new Set([...declared.values()].flatMap((s) => [...s]))].sort();
      throw new UsageError(`unknown parameter "${name}": no selected notebook declares it (declared: ${names.join(", ") || "none"})`);
    }
  }
  checkOverrides(files, overrides);
  mkdirSync(outDir, { recursive: true });
  writePlotlyBeside(outDir);
  const tmp = mkdtempSync(join(tmpdir(), "dlab-run-"));
  const startedAt = new Date();
  const summaries: NotebookSummary[] = [];
  const withFigures: NotebookFigures[] = [];
  let ok = true;
  const log = (s: string): void => void process.stderr.write(s + "\n");

  for (const [i, file] of files.entries()) {
    const name = basename(file, ".ipynb");
    const fileOverrides: Record<string, ParamValue> = { profile: opts.profile };
    for (const [k, v] of Object.entries(overrides)) if (declared.get(file)?.has(k)) fileOverrides[k] = v;
    if (opts.profile === "sample" && !Object.keys(overrides).includes("profile")) delete fileOverrides.profile;
    log(`▶ [${i + 1}/${files.length}] ${relative(root, file)}`);
    const job: WorkerJob = {
      input: file,
      output: join(outDir, `${name}.ipynb`),
      resultFile: join(tmp, `${name}.json`),
      overrides: fileOverrides,
      optional: ["profile"],
      label: name,
      echo: !opts.quiet,
    };
    process.env.DLAB_PROFILE = opts.profile;
    const source = readNotebook(file);
    const products = productsOf(name, source);
    const outputsRoot = dirname(outputsDir("_", opts.profile as DataProfile));
    const key = cacheKey({ name, notebook: source, profile: opts.profile, overrides: fileOverrides, products, outputsRoot, dataDir: dataDir(), mirrors: mirrorDirs() }, root);
    const cacheDir = cacheRoot(opts.profile, root);
    const found = opts.noCache ? { changed: ["--no-cache"] } : products.volatile ? { changed: ["always runs (machine-dependent)"] } : lookup(cacheDir, name, key);
    let r: WorkerResult;
    let cached: NotebookSummary["cache"];
    if (found.hit) {
      copyFileSync(found.hit.notebook, job.output);
      restoreProducts(found.hit, products.writes, outputsRoot, join(outDir, "assets", name));
      r = found.hit.result;
      cached = { restored: true, storedAt: found.hit.storedAt };
    } else {
      // Files a notebook writes beside its report page (tsview chunks) go to assets/<name>/.
      rmSync(join(outDir, "assets", name), { recursive: true, force: true });
      process.env.DLAB_REPORTS_DIR = outDir;
      process.env.DLAB_NOTEBOOK = name;
      r = await runWorker(root, job);
      cached = { restored: false, why: found.changed.join(", ") };
      if (r.ok && existsSync(job.output)) await store(cacheDir, name, key, job.output, r, products.writes, outputsRoot, join(outDir, "assets", name));
    }
    const failure = failureText(relative(root, file), r);
    const statuses = r.statuses as NotebookStatus[];
    const summary: NotebookSummary = {
      name,
      source: relative(root, file),
      ok: r.ok,
      status: notebookStatus(r.ok, statuses),
      ranAt: cached.restored && cached.storedAt ? cached.storedAt : new Date().toISOString(),
      origin: originOf(statuses, opts.profile),
      notes: statuses.flatMap((st) => (st.kind === "skipped" || st.kind === "warning" ? [`${st.kind}: ${st.reason}`] : [])),
      durationMs: r.durationMs,
      parameters: r.parameters,
      failure: failure || undefined,
      comparisons: r.comparisons as Comparison[],
      cache: cached,
    };
    summaries.push(summary);
    if (existsSync(job.output)) {
      const executed = readNotebook(job.output);
      if (r.ok) withFigures.push({ notebook: name, origin: summary.origin, executed });
      writeFileAtomic(
        join(outDir, `${name}.html`),
        renderNotebookHtml(executed, {
          name,
          ok: r.ok,
          durationMs: r.durationMs,
          parameters: r.parameters,
          profile: opts.profile,
          failure: failure || undefined,
          ipynbHref: `${name}.ipynb`,
          indexHref: "index.html",
        }),
      );
    }
    if (r.ok) log(`  ${summary.status === "ok" ? "✓" : summary.status === "skipped" ? "–" : "!"} ${name} (${cached.restored ? `from cache, ran ${cached.storedAt?.slice(0, 16)}` : `${(r.durationMs / 1000).toFixed(1)} s`})${summary.notes.length ? ` · ${summary.notes.join("; ")}` : ""}`);
    else {
      ok = false;
      log(`  ✗ ${failure}`);
      if (opts.failFast) break;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (!opts.noFigures && withFigures.length) log(`  ${(await exportFigures(outDir, withFigures)).message}`);

  const req = createRequire(join(root, "package.json"));
  const meta: RunMetadata = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    gitCommit: git(root, ["rev-parse", "HEAD"]) ?? "unknown",
    gitDirty: (git(root, ["status", "--porcelain"]) ?? "") !== "",
    profile: opts.profile,
    parameters: Object.fromEntries(opts.params.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])),
    node: process.version,
    tslab: (req("tslab/package.json") as { version: string }).version,
    platform: `${process.platform} ${process.arch}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    ok,
  };
  // A subset run updates its own entries and keeps the others (each carries its own run date).
  const all = mergeSummaries(readPreviousSummaries(join(outDir, "run.json"), opts.profile), summaries);
  writeFileAtomic(join(outDir, "run.json"), JSON.stringify({ ...meta, notebooks: all }, null, 2) + "\n");
  writeFileAtomic(join(outDir, "index.html"), renderIndexHtml(meta, all));
  log(`${ok ? "✓" : "✗"} ${(["ok", "warning", "skipped", "failed"] as const).map((k) => [k, summaries.filter((x) => x.status === k).length] as const).filter(([, c]) => c > 0).map(([k, c]) => `${c} ${k}`).join(", ")} of ${summaries.length} notebooks · report: ${relative(process.cwd(), join(outDir, "index.html"))}`);
  return { ok, summaries, outDir };
}

function originOf(statuses: NotebookStatus[], profile: string): { origin: DataOrigin; detail: string } {
  for (const st of statuses) if (st.kind === "origin") return { origin: st.origin, detail: st.detail };
  return { origin: profileOrigin(profile), detail: `${profile} profile` };
}

function notebookStatus(ok: boolean, statuses: NotebookStatus[]): NotebookSummary["status"] {
  if (!ok) return "failed";
  if (statuses.some((st) => st.kind === "skipped")) return "skipped";
  if (statuses.some((st) => st.kind === "warning")) return "warning";
  return "ok";
}

/** The previous run's summaries of the same profile (another profile's entries are never mixed in). */
function readPreviousSummaries(file: string, profile: string): NotebookSummary[] {
  if (!existsSync(file)) return [];
  try {
    const prev = JSON.parse(readFileSync(file, "utf8")) as { profile?: string; notebooks?: NotebookSummary[] };
    return prev.profile === profile && Array.isArray(prev.notebooks) ? prev.notebooks.filter((n) => typeof n.ranAt === "string") : [];
  } catch {
    return [];
  }
}

export function mergeSummaries(previous: NotebookSummary[], current: NotebookSummary[]): NotebookSummary[] {
  const byName = new Map(previous.map((n) => [n.name, n]));
  for (const n of current) byName.set(n.name, n);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function main(argv: string[]): Promise<number> {
  return runCli("reproduce", async () => {
    let opts: ReproduceOptions;
    try {
      opts = parseArgs(argv);
    } catch (e) {
      if (!(e instanceof HelpRequested)) throw e;
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    const r = await reproduce(opts);
    return r.ok ? 0 : 1;
  });
}
