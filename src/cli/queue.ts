/**
 * `npm run queue -- run landslide-predict|sbas-invert … [--queue URL]` enqueues a run's tiles or row
 * blocks and waits with one progress bar (without --queue every job runs in this process);
 * `npm run queue -- status|retry|clean --queue URL [--run ID]` inspects and manages what Redis holds.
 */
import { mkdirSync } from "node:fs";
import { optionHelp, parseCommand, requireOption, runCli } from "../core/cli";
import { UsageError } from "../core/errors";
import { parseBackendName, type BackendName } from "../landslide/backend";
import { guardProcess, redactUrl } from "../queue/connection";
import { cleanFinished, queueStatus, retryFailed } from "../queue/manage";
import type { PreparedRun } from "../queue/registry";
import { executeRun, runFolder } from "../queue/run";
import { sbasParams } from "./sbas";

const RUN_OPTIONS = {
  input: { type: "string", value: "PATH", description: "landslide-predict: feature GeoTIFF; sbas-invert: stack folder or ifgramStack.h5" },
  out: { type: "string", value: "DIR", description: "run folder (inside --root): inputs, job products and the merged products" },
  root: { type: "string", value: "DIR", description: "shared folder workers see (payloads carry paths relative to it)", defaultText: "the current folder" },
  queue: { type: "string", value: "URL", description: "Redis URL; without it every job runs in this process" },
  model: { type: "string", value: "DIR", description: "landslide-predict: saved U-Net folder" },
  overlap: { type: "string", value: "PX", description: "landslide-predict: tile overlap (default a quarter of the tile)" },
  batch: { type: "string", value: "N", description: "landslide-predict: tiles per job (= forward batch)", default: "8" },
  backend: { type: "string", value: "NAME", description: "landslide-predict: TensorFlow.js backend every worker uses", default: "cpu" },
  study: { type: "string", value: "NAME", description: "sbas-invert: start from a study's parameters instead of MintPy's defaults: zigui" },
  param: { type: "string", short: "p", multiple: true, value: "NAME=VALUE", description: "sbas-invert: SBAS parameter (as `npm run sbas -- --help` lists them)" },
  rows: { type: "string", value: "N", description: "sbas-invert: rows per block job (default: 16 blocks, within maxMemoryGB)" },
  attempts: { type: "string", value: "N", description: "attempts per job before it counts as failed", default: "3" },
  "timeout-s": { type: "string", value: "S", description: "give up waiting after this long (0 = no limit)", default: "0" },
  quiet: { type: "boolean", short: "q", description: "no progress bar" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

const MANAGE_OPTIONS = {
  queue: { type: "string", value: "URL", description: "Redis URL" },
  run: { type: "string", value: "ID", description: "only this run (16 hex digits, printed by `queue run`)" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

export const HELP = `usage: npm run queue -- run <landslide-predict|sbas-invert> --input PATH --out DIR [options]
       npm run queue -- status|retry|clean --queue URL [--run ID]

run options:
${optionHelp(RUN_OPTIONS)}

status / retry / clean options:
${optionHelp(MANAGE_OPTIONS)}

status: jobs per state and failed jobs with their reasons, per run; retry: put failed jobs back on the
queue; clean: remove finished (completed and failed) jobs from Redis. Products stay in the run folder.`;

function intOpt(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

async function run(kind: string | undefined, argv: string[]): Promise<number> {
  const { options: o } = parseCommand(argv, RUN_OPTIONS);
  guardProcess(o.queue, "queue");
  if (o.help) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  if (kind !== "landslide-predict" && kind !== "sbas-invert") throw new UsageError(`run what? landslide-predict or sbas-invert, got ${JSON.stringify(kind)}`);
  const { root, dir, rel } = runFolder(o.root ?? ".", requireOption(o.out, "out"));
  const input = requireOption(o.input, "input");
  mkdirSync(dir, { recursive: true });
  let prepared: PreparedRun;
  if (kind === "landslide-predict") {
    const { prepareLandslide } = await import("../queue/landslide");
    prepared = await prepareLandslide(dir, rel, {
      input,
      model: requireOption(o.model, "model"),
      overlap: intOpt(o.overlap, "overlap", 0, 4096),
      batch: intOpt(o.batch, "batch", 1, 64),
      backend: parseBackendName(o.backend ?? "cpu", "--backend") as BackendName,
    });
  } else {
    const { prepareSbas } = await import("../queue/sbas");
    prepared = await prepareSbas(dir, rel, { input, params: sbasParams(o.study, o.param), rows: intOpt(o.rows, "rows", 1, 1_000_000) });
  }
  process.stderr.write(`run ${prepared.runId}: ${prepared.jobs.length} jobs + merge${o.queue ? ` on ${redactUrl(o.queue)}` : " in this process"}\n`);
  const out = await executeRun(root, prepared, {
    queue: o.queue,
    attempts: intOpt(o.attempts, "attempts", 1, 100),
    quiet: o.quiet,
    timeoutMs: (intOpt(o["timeout-s"], "timeout-s", 0, 10_000_000) ?? 0) * 1000,
  });
  process.stdout.write(JSON.stringify({ ...out, out: dir }) + "\n");
  for (const f of out.failed) process.stderr.write(`queue: job ${f.id} failed: ${f.reason}\n`);
  return out.ok ? 0 : 1;
}

async function manage(cmd: "status" | "retry" | "clean", argv: string[]): Promise<number> {
  const { options: o } = parseCommand(argv, MANAGE_OPTIONS);
  if (o.help) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  const url = requireOption(o.queue, "queue");
  if (o.run !== undefined && !/^[0-9a-f]{16}$/.test(o.run)) throw new UsageError(`--run must be a run id (16 hex digits), got "${o.run}"`);
  guardProcess(url, "queue");
  if (cmd === "status") {
    const runs = await queueStatus(url, o.run);
    process.stdout.write(JSON.stringify({ queue: redactUrl(url), runs }, null, 2) + "\n");
  } else if (cmd === "retry") process.stdout.write(`${await retryFailed(url, o.run)} failed jobs put back on the queue\n`);
  else process.stdout.write(`${await cleanFinished(url, o.run)} finished jobs removed from ${redactUrl(url)}\n`);
  return 0;
}

export function main(argv: string[]): Promise<number> {
  return runCli("queue", async () => {
    const [cmd, ...rest] = argv;
    if (cmd === "run") return run(rest[0]?.startsWith("-") ? undefined : rest[0], rest[0]?.startsWith("-") ? rest : rest.slice(1));
    if (cmd === "status" || cmd === "retry" || cmd === "clean") return manage(cmd, rest);
    if (cmd === undefined || cmd === "--help" || cmd === "-h") {
      process.stdout.write(HELP + "\n");
      return cmd === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${cmd}" (run, status, retry, clean)`);
  });
}
