import { mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { invertStack } from "../../src/sbas/inversion-stack";
import { loadStack } from "../../src/sbas/load";
import { buildSbasStack } from "../../src/samples/sbas-stack";
import { ZIGUI_SBAS } from "../../src/studies/zigui/sbas";
import { executeRun } from "../../src/queue/run";
import { inversionInput, prepareSbas, readSbasProducts } from "../../src/queue/sbas";
import { finishedProduct } from "../../src/queue/products";
import { cleanFinished, queueStatus, retryFailed } from "../../src/queue/manage";
import { Cluster, computedCounts, HAVE_REDIS, waitFor } from "./cluster";

const root = mkdtempSync(join(tmpdir(), "queue-sbas-"));
const stackDir = join(root, "stack");
let reference: ReturnType<typeof invertStack>;
let clusters: Cluster[] = [];

beforeAll(async () => {
  await buildSbasStack(stackDir, { seed: 3, size: 0.2, quiet: true });
  const { input, opts } = await inversionInput(await loadStack(stackDir, { quiet: true }), ZIGUI_SBAS);
  reference = invertStack(input, opts);
}, 60_000);
afterEach(async () => {
  for (const c of clusters) await c.stop();
  clusters = [];
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 45×54 pixels in row blocks of 14 rows: 4 block jobs.
const ROWS = 14;
const prepare = (name: string) => prepareSbas(join(root, name), name, { input: stackDir, params: ZIGUI_SBAS, rows: ROWS });

function files(dir: string): Record<string, Buffer> {
  return Object.fromEntries(["timeseries.f32", "temporalCoherence.f32", "numInvIfgram.i16"].map((f) => [f, readFileSync(join(dir, f))]));
}

async function cluster(aof = false): Promise<Cluster> {
  const c = new Cluster(mkdtempSync(join(root, "cluster-")), aof);
  clusters.push(c);
  await c.startRedis();
  return c;
}

describe("SBAS row blocks in one process", () => {
  it("equal invertStack's result byte for byte, and a second run recomputes nothing", async () => {
    const run = await prepare("inproc");
    expect(run.jobs.map((j) => j.id)).toEqual(["b0000", "b0001", "b0002", "b0003"]);
    const out = await executeRun(root, run, { quiet: true });
    expect(out).toMatchObject({ ok: true, jobs: 5, alreadyDone: 0, failed: [] });
    const got = readSbasProducts(run.dir);
    got.ts.forEach((t, d) => expect(Buffer.from(t.buffer).equals(Buffer.from(reference.ts[d].buffer))).toBe(true));
    expect(Buffer.from(got.temporalCoherence.buffer).equals(Buffer.from(reference.temporalCoherence.buffer))).toBe(true);
    expect(Buffer.from(got.numInvIfgram.buffer).equals(Buffer.from(reference.numInvIfgram.buffer))).toBe(true);
    expect([got.inverted, got.rankDeficient]).toEqual([reference.inverted, reference.rankDeficient]);
    const again = await executeRun(root, await prepare("inproc"), { quiet: true });
    expect(again).toMatchObject({ ok: true, alreadyDone: 5 });
  }, 60_000);

  it("a block whose input file is cut short fails with its file and reason; the other blocks finish", async () => {
    const run = await prepare("bad-inproc");
    truncateSync(join(run.dir, "input", "b0002.bin"), 100);
    const out = await executeRun(root, run, { quiet: true });
    expect(out.ok).toBe(false);
    expect(out.failed).toEqual([{ id: "b0002", reason: expect.stringMatching(/b0002\.bin: 100 bytes; block 2 of \d+ pairs × 630 pixels needs \d+/) }]);
    for (const id of ["b0000", "b0001", "b0003"]) expect(finishedProduct(run.dir, run.runId, id)).not.toBeNull();
    expect(finishedProduct(run.dir, run.runId, "merge")).toBeNull();
  }, 60_000);
});

describe.skipIf(!HAVE_REDIS)(`SBAS row blocks on BullMQ workers${HAVE_REDIS ? "" : " (skipped: redis-server is not installed; apt-get install redis-server)"}`, () => {
  it("three workers give the same bytes as one process", async () => {
    const inproc = await prepare("ref");
    await executeRun(root, inproc, { quiet: true });
    const c = await cluster();
    for (let i = 0; i < 3; i++) c.startWorker(root);
    const run = await prepare("q3");
    const out = await executeRun(root, run, { queue: c.url, quiet: true, timeoutMs: 90_000 });
    expect(out).toMatchObject({ ok: true, jobs: 5, failed: [] });
    expect(files(run.dir)).toEqual(files(inproc.dir));
    // Enqueued again (same jobIds): nothing is recomputed.
    const again = await executeRun(root, await prepare("q3"), { queue: c.url, quiet: true, timeoutMs: 30_000 });
    expect(again).toMatchObject({ ok: true, alreadyDone: 5 });
    expect([...computedCounts(c.allLogs()).values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it("a worker killed (-9) mid-job: its job is re-delivered and the products are identical", async () => {
    const c = await cluster();
    const run = await prepare("kill");
    const slow = c.startWorker(root, ["--slow-ms", "4000"]);
    const running = executeRun(root, run, { queue: c.url, quiet: true, timeoutMs: 90_000 });
    await waitFor("the slow worker to take a job", () => /start sbas-block (\S+)/.test(c.log(slow)), 60_000);
    const victim = /start sbas-block (\S+)/.exec(c.log(slow))![1];
    slow.kill("SIGKILL");
    c.startWorker(root);
    c.startWorker(root);
    const out = await running;
    expect(out).toMatchObject({ ok: true, failed: [] });
    expect(c.allLogs()).toMatch(new RegExp(`done sbas-block ${victim.replace(".", "\\.")}`));
    const inproc = await prepare("kill-ref");
    await executeRun(root, inproc, { quiet: true });
    expect(files(run.dir)).toEqual(files(inproc.dir));
  }, 120_000);

  it.each([
    ["with AOF (jobs survive)", true],
    ["without persistence (the run re-enqueues what Redis lost)", false],
  ])("Redis restarted mid-run %s: the run finishes and no finished job is recomputed", async (_name, aof) => {
    const c = await cluster(aof);
    const run = await prepareSbas(join(root, `restart-${aof}`), `restart-${aof}`, { input: stackDir, params: ZIGUI_SBAS, rows: 7 });
    for (let i = 0; i < 3; i++) c.startWorker(root, ["--slow-ms", "700"]);
    const running = executeRun(root, run, { queue: c.url, quiet: true, timeoutMs: 100_000, checkMs: 300 });
    await waitFor("a first finished block", () => run.jobs.some((j) => finishedProduct(run.dir, run.runId, j.id, false)), 60_000);
    c.killRedis();
    await new Promise((r) => setTimeout(r, 500));
    await c.startRedis();
    const out = await running;
    expect(out).toMatchObject({ ok: true, failed: [] });
    if (!aof) expect(out.requeued).toBeGreaterThan(0);
    const counts = computedCounts(c.allLogs());
    for (const j of [...run.jobs, run.merge]) expect(counts.get(`${run.runId}.${j.id}`) ?? 0, j.id).toBeLessThanOrEqual(1);
    const inproc = await prepareSbas(join(root, `restart-ref-${aof}`), `restart-ref-${aof}`, { input: stackDir, params: ZIGUI_SBAS, rows: 7 });
    await executeRun(root, inproc, { quiet: true });
    expect(files(run.dir)).toEqual(files(inproc.dir));
  }, 150_000);

  it("a bad block fails with its reason after bounded retries while the others finish", async () => {
    const c = await cluster();
    for (let i = 0; i < 3; i++) c.startWorker(root);
    const run = await prepare("bad-queue");
    truncateSync(join(run.dir, "input", "b0001.bin"), 100);
    const out = await executeRun(root, run, { queue: c.url, quiet: true, attempts: 2, backoffMs: 100, timeoutMs: 90_000 });
    expect(out.ok).toBe(false);
    expect(out.failed).toEqual([{ id: "b0001", reason: expect.stringMatching(/b0001\.bin: 100 bytes/) }]);
    for (const id of ["b0000", "b0002", "b0003"]) expect(finishedProduct(run.dir, run.runId, id)).not.toBeNull();
    expect((c.allLogs().match(/failed sbas-block \S+\.b0001/g) ?? []).length).toBe(2);
    // `queue status | retry | clean` on the same Redis. A block's marker is written before its worker
    // reports the job complete to Redis, so the run can end a moment before Redis counts it.
    await waitFor("the finished blocks to be completed in Redis", async () => (await queueStatus(c.url, run.runId))[0]?.counts.completed === 3, 30_000);
    const [st] = await queueStatus(c.url, run.runId);
    expect(st).toMatchObject({ runId: run.runId, counts: { completed: 3, failed: 1 } });
    expect(st.failed).toEqual([{ id: `${run.runId}.b0001`, reason: expect.stringMatching(/b0001\.bin: 100 bytes/), attempts: 2 }]);
    expect(await retryFailed(c.url, run.runId)).toBe(1);
    await waitFor("the retried job to fail again", async () => (await queueStatus(c.url, run.runId))[0].counts.failed === 1, 30_000);
    expect(await cleanFinished(c.url, run.runId)).toBe(4);
    expect(await queueStatus(c.url, run.runId)).toEqual([]);
  }, 120_000);
});
