/**
 * `npm run sbas -- --input <stack folder | ifgramStack.h5> --out <dir> [--study zigui] [--param name=value]…
 *  [--dostep STEP | --start STEP --end STEP] [--force] [--queue redis://… [--root DIR]]`
 *
 * Runs MintPy smallbaselineApp's steps on a HyP3, GAMMA-GeoTIFF or MintPy stack with MintPy's default
 * parameters (src/sbas/params.ts), or a study's (`--study zigui`), overridden by `--param`. Each step
 * writes its product into `--out` (MintPy's HDF5 names and layout) and is skipped when that product is
 * up to date. Only the parameter tables load before the arguments are checked, so `--help` is instant;
 * the pipeline is imported after.
 */
import { optionHelp, parseCommand, runCli } from "../core/cli";
import { prepareOutputDir } from "../core/atomic";
import { UsageError } from "../core/errors";
import { applyParams, paramHelp, parseAssignments, type StudyOverrides } from "../core/params";
import { SBAS_DEFAULTS, SBAS_SCHEMA, type SbasParams } from "../sbas/params";
import { STEPS, type Inverter } from "../sbas/step-types";
import { ZIGUI_SBAS, ZIGUI_SBAS_OVERRIDES } from "../studies/zigui/sbas";

export const OPTIONS = {
  input: { type: "string", short: "i", value: "PATH", description: "stack: HyP3 folder, GAMMA GeoTIFF folder or ifgramStack.h5 (needed when the load step runs)" },
  out: { type: "string", short: "o", value: "DIR", description: "output folder: every step's product (MintPy layout), GeoTIFFs, summary.json" },
  study: { type: "string", value: "NAME", description: "start from a study's parameters instead of MintPy's defaults: zigui" },
  param: { type: "string", short: "p", multiple: true, value: "NAME=VALUE", description: "set a parameter (see the list below)" },
  dostep: { type: "string", value: "STEP", description: `run only this step, from the products on disk (${STEPS.join(", ")})` },
  start: { type: "string", value: "STEP", description: "first step to run" },
  end: { type: "string", value: "STEP", description: "last step to run" },
  force: { type: "boolean", description: "re-run the selected steps even when their products are up to date" },
  "write-stack": { type: "boolean", description: "kept for old scripts: the load step always writes inputs/ifgramStack.h5 + geometryGeo.h5" },
  queue: { type: "string", value: "URL", description: "Redis URL: invert_network runs as row-block jobs on `npm run worker`s (docs/queue.md); the other steps run here" },
  root: { type: "string", value: "DIR", description: "with --queue: the shared folder the workers see; --out must lie inside it", defaultText: "the current folder" },
  rows: { type: "string", value: "N", description: "with --queue: rows per block job (default: 16 blocks, within maxMemoryGB)" },
  quiet: { type: "boolean", short: "q", description: "no progress bars" },
  help: { type: "boolean", short: "h", description: "this help" },
} as const;

const STUDIES: Record<string, { params: SbasParams; overrides: StudyOverrides<SbasParams> }> = {
  zigui: { params: ZIGUI_SBAS, overrides: ZIGUI_SBAS_OVERRIDES },
};

/** MintPy's defaults or a study's (`--study`), then the `--param name=value` assignments (range-checked). */
export function sbasParams(study: string | undefined, assignments: readonly string[]): SbasParams {
  const base = study ? STUDIES[study] : undefined;
  if (study && !base) throw new UsageError(`--study ${study}: unknown study (known: ${Object.keys(STUDIES).join(", ")})`);
  return applyParams(SBAS_SCHEMA, base?.params ?? SBAS_DEFAULTS, parseAssignments(assignments));
}

export function usage(): string {
  return [
    "usage: npm run sbas -- --input <stack> --out <dir> [--study zigui] [--param name=value]... [--dostep STEP | --start STEP --end STEP] [--force] [--queue URL [--root DIR]]",
    "",
    "options:",
    optionHelp(OPTIONS),
    "",
    `steps, in order: ${STEPS.join(" → ")}`,
    "",
    "parameters (name = MintPy default  # meaning {range} (source); zigui: the --study zigui value):",
    paramHelp(SBAS_SCHEMA, ZIGUI_SBAS_OVERRIDES, "zigui"),
  ].join("\n");
}

export interface CliArgs {
  input?: string;
  out: string;
  params: SbasParams;
  dostep?: string;
  start?: string;
  end?: string;
  force: boolean;
  quiet: boolean;
  queue?: string;
  root: string;
  rows?: number;
}

/** Parses the command line; null means `--help` was asked for. */
export function parseArgs(argv: string[]): CliArgs | null {
  const { options: o } = parseCommand(argv, OPTIONS);
  if (o.help) return null;
  if (!o.out) throw new UsageError("--out is required");
  if (o.dostep && (o.start || o.end)) throw new UsageError("--dostep cannot be combined with --start/--end");
  const params = sbasParams(o.study, o.param);
  if ((o.root !== undefined || o.rows !== undefined) && !o.queue) throw new UsageError("--root and --rows go with --queue");
  const rows = o.rows === undefined ? undefined : Number(o.rows);
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1)) throw new UsageError(`--rows must be a positive integer, got "${o.rows}"`);
  return { input: o.input, out: o.out, params, dostep: o.dostep, start: o.start, end: o.end, force: o.force, quiet: o.quiet, queue: o.queue, root: o.root ?? ".", rows };
}

async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  // --out is checked before any work (a file there, or a path under /proc, fails at once) and cleared of
  // temporaries a killed run left; each product is then written atomically, summary.json last.
  prepareOutputDir(args.out);
  let invert: Inverter | undefined;
  if (args.queue) {
    const { guardProcess } = await import("../queue/connection");
    guardProcess(args.queue, "sbas");
    const { runFolder } = await import("../queue/run");
    const { queueInverter } = await import("../queue/sbas-step");
    const { join } = await import("node:path");
    const where = runFolder(args.root, join(args.out, "queue"));
    const log = (l: string) => (args.quiet ? undefined : process.stderr.write(`sbas: ${l}\n`));
    invert = queueInverter({ ...where, queue: args.queue, rows: args.rows, quiet: args.quiet, source: args.input ?? args.out, log });
  }
  const { SbasRun, parseStep } = await import("../sbas/run");
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const step = (v: string | undefined, name: string) => (v ? parseStep(v, name) : undefined);
  const dostep = step(args.dostep, "dostep");
  const start = step(args.start, "start");
  const loads = !dostep ? !start || start === "load" : dostep === "load";
  if (!args.input && loads && !existsSync(join(args.out, "inputs", "ifgramStack.h5")))
    throw new UsageError("--input is required (no inputs/ifgramStack.h5 in --out yet)");
  const r = new SbasRun({
    params: args.params,
    dir: args.out,
    input: args.input,
    quiet: args.quiet,
    dostep,
    start,
    end: step(args.end, "end"),
    force: args.force,
    invert,
    log: (l) => {
      if (!args.quiet) process.stderr.write(`sbas: ${l}\n`);
    },
  });
  const rep = await r.run();
  const net = await r.get("modify_network");
  const { reference: ref } = await r.get("reference_point");
  const where = ref.lon !== undefined ? `lon ${ref.lon.toFixed(5)}, lat ${ref.lat!.toFixed(5)}, ` : "";
  const out = [
    `steps run: ${rep.ran.join(", ") || "none"}; skipped: ${rep.skipped.map((s) => `${s.step} (${s.why})`).join(", ") || "none"}`,
    `${net.dates.length} dates, ${net.pairs.length}/${net.pairNames.length} pairs kept` + (net.dropped.length ? ` (dropped: ${net.dropped.map((d) => `${d.pair}: ${d.reason}`).join("; ")})` : ""),
    `reference point: ${where}row ${ref.row}, col ${ref.col} (${ref.method}: ${ref.how}); neighbourhood ${(ref.neighbourhoodVelocity * 1000).toFixed(1)} mm/yr from the scene's stable ground`,
    ...ref.warnings.map((w) => `WARNING: ${w}`),
    ...[...net.notes, ...r.notes].map((n) => `note: ${n}`),
    `products in ${args.out}`,
  ];
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}

export function main(argv: string[]): Promise<number> {
  return runCli("sbas", () => run(argv));
}
