import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main as sbasCli } from "../../src/cli/sbas";
import { buildSbasStack } from "../../src/samples/sbas-stack";
import { SbasRun } from "../../src/sbas/run";
import { ZIGUI_SBAS } from "../../src/studies/zigui/sbas";
import { Cluster, HAVE_REDIS } from "./cluster";

const root = mkdtempSync(join(tmpdir(), "queue-sbas-step-"));
const stackDir = join(root, "stack");
let cluster: Cluster | undefined;

beforeAll(() => buildSbasStack(stackDir, { seed: 3, size: 0.2, quiet: true }), 60_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!HAVE_REDIS)(`queueInverter${HAVE_REDIS ? "" : " (skipped: redis-server is not installed; apt-get install redis-server)"}`, () => {
  it("npm run sbas --queue: invert_network as row blocks on two workers, the later steps as usual, every product as without --queue", async () => {
    const c = new Cluster(mkdtempSync(join(root, "cluster-")));
    cluster = c;
    await c.startRedis();
    for (let i = 0; i < 2; i++) c.startWorker(root);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const base = ["--input", stackDir, "--study", "zigui", "--quiet"];
    try {
      expect(await sbasCli([...base, "--out", join(root, "sbas-plain")])).toBe(0);
      expect(await sbasCli([...base, "--out", join(root, "sbas-queue"), "--queue", c.url, "--root", root, "--rows", "14"])).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    expect(c.allLogs()).toMatch(/done sbas-block/);
    const open = (d: string) => new SbasRun({ params: ZIGUI_SBAS, dir: join(root, d) });
    const [plain, queued] = [open("sbas-plain"), open("sbas-queue")];
    const [a, b] = [await plain.get("invert_network"), await queued.get("invert_network")];
    b.series.ts.forEach((t, d) => expect(Buffer.from(t.buffer, t.byteOffset, t.byteLength).equals(Buffer.from(a.series.ts[d].buffer, a.series.ts[d].byteOffset, a.series.ts[d].byteLength))).toBe(true));
    expect(Array.from(b.temporalCoherence)).toEqual(Array.from(a.temporalCoherence));
    const [va, vb] = [await plain.get("velocity"), await queued.get("velocity")];
    expect(Array.from(vb.fit.params[0])).toEqual(Array.from(va.fit.params[0]));
    expect(Array.from(vb.fit.std[0])).toEqual(Array.from(va.fit.std[0]));
  }, 150_000);
});
