import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/queue";
import { main as worker } from "../../src/cli/worker";
import { buildSbasStack } from "../../src/samples/sbas-stack";
import { Cluster, HAVE_REDIS } from "../queue/cluster";

const root = mkdtempSync(join(tmpdir(), "queue-cli-"));
const stack = join(root, "stack");
beforeAll(() => buildSbasStack(stack, { seed: 4, size: 0.1, quiet: true }), 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function capture(f: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  const code = await f();
  vi.restoreAllMocks();
  return { code, out, err };
}

describe("npm run queue", () => {
  it("runs an SBAS inversion in process without --queue, and a repeat recomputes nothing", async () => {
    const argv = ["run", "sbas-invert", "--input", stack, "--out", join(root, "runs", "a"), "--root", root, "--rows", "8", "--quiet"];
    const first = await capture(() => main(argv));
    expect(first.code, first.err).toBe(0);
    const r = JSON.parse(first.out) as { ok: boolean; jobs: number; alreadyDone: number };
    expect(r).toMatchObject({ ok: true, alreadyDone: 0 });
    const again = JSON.parse((await capture(() => main(argv))).out) as { alreadyDone: number; jobs: number };
    expect(again.alreadyDone).toBe(again.jobs);
    expect(again.jobs).toBe(r.jobs);
  }, 60_000);

  it("refuses usage errors with exit 2", async () => {
    expect((await capture(() => main([]))).code).toBe(2);
    const outside = await capture(() => main(["run", "sbas-invert", "--input", stack, "--out", "/tmp/elsewhere", "--root", root]));
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/--out \/tmp\/elsewhere must be a folder inside --root/);
    expect((await capture(() => main(["run", "nonsense", "--out", join(root, "x"), "--input", stack, "--root", root]))).err).toMatch(/landslide-predict or sbas-invert/);
    expect((await capture(() => main(["status"]))).err).toMatch(/--queue is required/);
    expect((await capture(() => main(["status", "--queue", "redis://h:1", "--run", "../x"]))).err).toMatch(/--run must be a run id/);
  });
});

describe("npm run worker", () => {
  it("refuses a non-redis URL without showing its password", async () => {
    const r = await capture(() => worker(["--queue", "http://ann:hunter2@h:1"]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/only redis:\/\/ and rediss:\/\//);
    expect(r.err).not.toContain("hunter2");
  });
});

describe.skipIf(!HAVE_REDIS)(`Redis credentials${HAVE_REDIS ? "" : " (skipped: redis-server is not installed)"}`, () => {
  it("are never printed: a refused password ends run and worker with exit 1 and a redacted URL", async () => {
    const c = new Cluster(mkdtempSync(join(root, "cluster-")), false, "right-pw");
    try {
      await c.startRedis();
      const wrong = `redis://:wrong-pw@127.0.0.1:${c.port}`;
      const go = (script: string, args: string[]) =>
        spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, DLAB_QUIET: "1" } });
      const run = go("scripts/queue.ts", ["run", "sbas-invert", "--input", stack, "--out", join(root, "runs", "pw"), "--root", root, "--queue", wrong]);
      const wk = go("scripts/worker.ts", ["--queue", wrong, "--root", root]);
      for (const r of [run, wk]) {
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toContain(`redis://:***@127.0.0.1:${c.port}`);
        expect(r.stderr + r.stdout).not.toContain("wrong-pw");
      }
      // With the right password the same run goes through a worker.
      const w = c.startWorker(root);
      const ok = go("scripts/queue.ts", ["run", "sbas-invert", "--input", stack, "--out", join(root, "runs", "pw"), "--root", root, "--queue", c.url, "--timeout-s", "50"]);
      expect(ok.status, ok.stderr + c.log(w)).toBe(0);
      expect(ok.stderr + ok.stdout + c.log(w)).not.toContain("right-pw");
    } finally {
      await c.stop();
    }
  }, 120_000);
});
