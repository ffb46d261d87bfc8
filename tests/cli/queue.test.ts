import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/queue";
import { main as worker } from "../../src/cli/worker";
import { buildSbasStack } from "../../src/samples/sbas-stack";

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
