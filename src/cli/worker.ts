/**
 * `npm run worker -- --queue redis://host:port [--root DIR]`: one queue worker. Start any number, on
 * any machine that mounts the shared folder; Ctrl-C (SIGINT/SIGTERM) finishes the active job first.
 */
import { resolve } from "node:path";
import { optionHelp, parseCommand, requireOption, runCli } from "../core/cli";
import { UsageError } from "../core/errors";
import { JOB_TYPES } from "../queue/registry";
import { guardProcess } from "../queue/connection";
import { startWorker } from "../queue/worker";

const OPTIONS = {
  queue: { type: "string", value: "URL", description: "Redis URL, redis://[user:password@]host:port[/db]" },
  root: { type: "string", value: "DIR", description: "shared folder the runs live in (same folder the run command used)", defaultText: "the current folder" },
  concurrency: { type: "string", value: "N", description: "jobs at once in this process", default: "1" },
  "lock-ms": { type: "string", value: "MS", description: "job lock; a killed worker's job is re-delivered after about this long", default: "30000" },
  "slow-ms": { type: "string", value: "MS", description: "wait before each job (fault drills only)", default: "0" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

export const HELP = `usage: npm run worker -- --queue redis://host:port [options]

Runs queue jobs (${JOB_TYPES.join(", ")}) until stopped.

${optionHelp(OPTIONS)}`;

function intOption(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

export function main(argv: string[]): Promise<number> {
  return runCli("worker", async () => {
    const { options: o } = parseCommand(argv, OPTIONS);
    if (o.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    const url = requireOption(o.queue, "queue");
    guardProcess(url, "worker");
    let code = 0;
    let finish: () => void = () => undefined;
    const worker = startWorker(resolve(o.root ?? "."), url, {
      onFatal: () => {
        code = 1;
        finish();
      },
      concurrency: intOption(o.concurrency ?? "1", "concurrency", 1, 64),
      lockMs: intOption(o["lock-ms"] ?? "30000", "lock-ms", 1000, 3_600_000),
      slowMs: intOption(o["slow-ms"] ?? "0", "slow-ms", 0, 600_000),
    });
    await new Promise<void>((done) => {
      finish = done;
      const stop = (): void => {
        void worker.close().then(done);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return code;
  });
}
