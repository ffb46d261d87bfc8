import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectionFor, redactUrl } from "../../src/queue/connection";
import { PayloadError } from "../../src/queue/payload";
import { runJob } from "../../src/queue/registry";

const root = mkdtempSync(join(tmpdir(), "queue-payload-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "runs", "a"), { recursive: true });
writeFileSync(join(root, "runs", "a", "run.json"), JSON.stringify({ kind: "sbas-invert", runId: "0123456789abcdef", width: 10, height: 10, rowsPerBlock: 5, net: { dates: [], pairs: [] }, opts: { weightFunc: "no" } }));
const ok = { run: "runs/a", runId: "0123456789abcdef", id: "b0000", block: 0 };

describe("Redis URLs", () => {
  it("never show user or password", () => {
    expect(redactUrl("redis://alice:s3cret@10.0.0.5:6379/2")).toBe("redis://***:***@10.0.0.5:6379/2");
    expect(redactUrl("redis://:s3cret@host:6379")).toBe("redis://:***@host:6379");
    expect(redactUrl("redis://host:6379")).toBe("redis://host:6379");
    expect(redactUrl("redis://al ice:s3cret@ho st")).not.toContain("s3cret");
  });
  it("give connection options and refuse other schemes with the URL redacted", () => {
    expect(connectionFor("redis://bob:pw@127.0.0.1:7000/3")).toMatchObject({ host: "127.0.0.1", port: 7000, db: 3, username: "bob", password: "pw" });
    expect(() => connectionFor("http://bob:pw@host:1")).toThrow(/http:\/\/\*\*\*:\*\*\*@host:1\/: only redis:\/\/ and rediss:\/\//);
    expect(() => connectionFor("redis://bob:pw@host:1/99")).toThrow(/database must be 0\.\.15/);
  });
});

describe("a run folder this machine does not see", () => {
  it("is a retryable file error (another worker may see it), not a refused payload", async () => {
    const e = await runJob(root, "sbas-block", { ...ok, run: "runs/b" }).catch((x: Error) => x);
    expect(e).not.toBeInstanceOf(PayloadError);
    expect((e as Error).message).toMatch(/runs\/b\/run\.json: missing: the run folder is not on this machine's shared root/);
  });
});

describe("a worker runs only registered job types with data-only payloads", () => {
  const refused = async (type: string, data: unknown): Promise<string> => {
    try {
      await runJob(root, type, data);
    } catch (e) {
      expect(e).toBeInstanceOf(PayloadError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };
  it("refuses unknown job types", async () => {
    expect(await refused("shell", ok)).toMatch(/unknown job type "shell" \(this worker runs landslide-tile, landslide-merge, sbas-block, sbas-merge\)/);
    expect(await refused("__proto__", ok)).toMatch(/unknown job type/);
  });
  it("refuses run folders outside the shared root, odd ids, extra fields and numbers out of range", async () => {
    expect(await refused("sbas-block", { ...ok, run: "../etc" })).toMatch(/payload\.run must be a relative folder/);
    expect(await refused("sbas-block", { ...ok, run: "/etc" })).toMatch(/payload\.run must be a relative folder/);
    expect(await refused("sbas-block", { ...ok, run: "runs/$(rm -rf x)" })).toMatch(/payload\.run must be a relative folder/);
    expect(await refused("sbas-block", { ...ok, id: "../x" })).toMatch(/payload\.id must look like t0001/);
    expect(await refused("sbas-block", { ...ok, code: "process.exit()" })).toMatch(/unexpected field "code"/);
    expect(await refused("sbas-block", { ...ok, runId: "ffffffffffffffff" })).toMatch(/holds run 0123456789abcdef, the job is for run ffffffffffffffff/);
    expect(await refused("sbas-block", { ...ok, block: 2 })).toMatch(/payload\.block must be an integer in \[0, 1\], got 2/);
    expect(await refused("sbas-block", { ...ok, block: "0; rm" })).toMatch(/payload\.block must be an integer/);
    expect(await refused("sbas-block", { ...ok, block: 0.5 })).toMatch(/payload\.block must be an integer/);
    expect(await refused("sbas-block", "rm -rf /")).toMatch(/payload is not an object/);
  });
});
