/**
 * Test fixtures: a private redis-server on a free loopback port and worker processes, each test's own,
 * all stopped (SIGKILL by pid, never by name) when the test ends.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const HAVE_REDIS = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export class Cluster {
  readonly procs: ChildProcess[] = [];
  readonly logs = new Map<ChildProcess, string>();
  redis?: ChildProcess;
  port = 0;

  constructor(
    readonly dir: string,
    readonly aof = false,
    readonly password?: string,
  ) {}

  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ""}127.0.0.1:${this.port}`;
  }

  async startRedis(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const data = join(this.dir, "redis");
    mkdirSync(data, { recursive: true });
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", data, "--save", ""];
    if (this.password) args.push("--requirepass", this.password);
    args.push(...(this.aof ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]));
    const r = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    r.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    this.redis = r;
    await waitFor("redis-server to accept connections", () => out.includes("Ready to accept connections"), 15_000);
  }

  killRedis(): void {
    this.redis?.kill("SIGKILL");
    this.redis = undefined;
  }

  /** A worker process (`npm run worker`), started from the project root with the run folder's root. */
  startWorker(root: string, extra: string[] = []): ChildProcess {
    const w = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts", "--queue", this.url, "--root", root, "--lock-ms", "2000", ...extra], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DLAB_QUIET: "1" },
    });
    this.logs.set(w, "");
    const add = (d: Buffer): void => void this.logs.set(w, this.logs.get(w) + d.toString());
    w.stdout!.on("data", add);
    w.stderr!.on("data", add);
    this.procs.push(w);
    return w;
  }

  log(w: ChildProcess): string {
    return this.logs.get(w) ?? "";
  }

  allLogs(): string {
    return [...this.logs.values()].join("\n");
  }

  async stop(): Promise<void> {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    this.killRedis();
    await sleep(100);
  }
}

/** How many times each job id was computed ("done", not "skipped") across the workers' logs. */
export function computedCounts(logs: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of logs.matchAll(/: done \S+ (\S+)/g)) m.set(x[1], (m.get(x[1]) ?? 0) + 1);
  return m;
}
