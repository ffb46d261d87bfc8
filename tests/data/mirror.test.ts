import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchDataset, verifyDataset } from "../../src/data/fetch";
import { findManifest, validateManifest, type Manifest } from "../../src/data/manifest";
import { Mirror, mirrorDirs } from "../../src/data/mirror";
import { projectRoot } from "../../src/core/project";
import { fixtureBytes, sha256, startServer, type TestServer, tempDir } from "./server";

process.env.DLAB_QUIET = "1";

const x = fixtureBytes(40_000, 21);
const y = fixtureBytes(8_000, 22);
let work: string;
let srv: TestServer;
const quiet = { quiet: true, log: () => undefined, retries: 0, backoffMs: 1 };

beforeAll(async () => {
  srv = await startServer(); // serves nothing: any network use shows up as a 404 and a logged request
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  work = tempDir("mirror");
  srv.requests.length = 0;
});

function makeMirror(withSources: boolean): string {
  const m = join(work, "mirror");
  mkdirSync(join(m, "set/sub"), { recursive: true });
  // Names differ from the manifest's on purpose: a mirror is matched by hash, never by name.
  writeFileSync(join(m, "set/renamed-x.bin"), x);
  writeFileSync(join(m, "set/sub/y-copy.bin"), y);
  writeFileSync(join(m, "set/unrelated.bin"), fixtureBytes(40_000, 99));
  if (withSources) {
    writeFileSync(
      join(m, "SOURCES.json"),
      JSON.stringify({ files: [{ path: "set/renamed-x.bin", sha256: sha256(x), bytes: x.length }, { path: "set/sub/y-copy.bin", sha256: sha256(y), bytes: y.length }] }),
    );
  }
  return m;
}

function manifest(): Manifest {
  return validateManifest({
    id: "mset",
    title: "t",
    description: "d",
    licence: "l",
    citation: "c",
    files: [
      { path: "x.bin", url: `${srv.url}/x.bin`, sha256: sha256(x), size: x.length },
      { path: "nested/y.bin", url: `${srv.url}/y.bin`, sha256: sha256(y), size: y.length },
    ],
  });
}

describe("mirror resolution", () => {
  for (const withSources of [true, false]) {
    it(`resolves files by sha256 ${withSources ? "through SOURCES.json" : "by scanning the folder"}, offline`, async () => {
      const dataDir = join(work, "data");
      const r = await fetchDataset(manifest(), { dataDir, mirrors: [makeMirror(withSources)], offline: true, ...quiet });
      expect(r.outcomes.map((o) => o.status)).toEqual(["mirrored", "mirrored"]);
      expect(readFileSync(join(dataDir, "mset/nested/y.bin")).equals(y)).toBe(true);
      expect((await verifyDataset(manifest(), { dataDir })).problems).toEqual([]);
      expect(srv.requests.length).toBe(0);
    });
  }

  it("fails with the hash error when a mirror copy has one byte flipped, and leaves nothing corrupt", async () => {
    const m = makeMirror(true);
    const bad = Buffer.from(x);
    bad[12345] ^= 0x01;
    writeFileSync(join(m, "set/renamed-x.bin"), bad);
    const dataDir = join(work, "data");
    const r = await fetchDataset(manifest(), { dataDir, mirrors: [m], offline: true, ...quiet });
    expect(r.outcomes[0].status).toBe("failed");
    const msg = r.outcomes[0].error!;
    expect(msg).toContain("sha256 mismatch for mset/x.bin");
    expect(msg).toContain(`expected ${sha256(x)}`);
    expect(msg).toContain(`actual ${sha256(bad)}`);
    expect(msg).toContain("set/renamed-x.bin");
    expect(existsSync(join(dataDir, "mset/x.bin"))).toBe(false);
    expect(readdirSync(join(dataDir, "mset")).filter((f) => f.includes("x.bin"))).toEqual([]);
    expect(r.outcomes[1].status).toBe("mirrored");
  });

  it("a flipped mirror copy never replaces a good file already in place", async () => {
    const m = makeMirror(true);
    const dataDir = join(work, "data");
    await fetchDataset(manifest(), { dataDir, mirrors: [m], ...quiet });
    const bad = Buffer.from(x);
    bad[0] ^= 0x80;
    writeFileSync(join(m, "set/renamed-x.bin"), bad);
    const r = await fetchDataset(manifest(), { dataDir, mirrors: [m], ...quiet });
    expect(r.outcomes[0].status).toBe("present");
    expect(readFileSync(join(dataDir, "mset/x.bin")).equals(x)).toBe(true);
  });

  it("falls back to the network when the mirror lacks a file, and says so offline", async () => {
    const m = join(work, "empty");
    mkdirSync(m);
    const dataDir = join(work, "data");
    const off = await fetchDataset(manifest(), { dataDir, mirrors: [m], offline: true, ...quiet });
    expect(off.outcomes[0].error).toContain(`is not in the mirror(s) ${resolve(m)} and --offline forbids the network`);
    const on = await fetchDataset(manifest(), { dataDir, mirrors: [m], ...quiet });
    expect(on.outcomes[0].error).toMatch(/HTTP 404/);
    expect(srv.requests.map((q) => q.path)).toEqual(["/x.bin", "/y.bin"]);
  });

  it("reports a missing mirror folder and a broken SOURCES.json", () => {
    expect(() => new Mirror(join(work, "nope"))).toThrow(/Mirror folder .*nope does not exist/);
    const m = join(work, "m2");
    mkdirSync(m);
    writeFileSync(join(m, "SOURCES.json"), "{");
    expect(() => new Mirror(m)).toThrow(/Mirror index .*SOURCES\.json is not valid JSON/);
    writeFileSync(join(m, "SOURCES.json"), JSON.stringify({ files: [{ path: "../../etc/passwd", sha256: "a".repeat(64) }] }));
    expect(() => new Mirror(m)).toThrow(/leaves the mirror folder/);
  });

  it("takes mirror folders from flags and DLAB_MIRROR", () => {
    expect(mirrorDirs(["/a"], { DLAB_MIRROR: "/b:/c" })).toEqual(["/a", "/b", "/c"]);
    expect(mirrorDirs([], {})).toEqual([]);
  });
});

const shared = resolve(projectRoot(), "../shared/data");
const haveShared = existsSync(join(shared, "SOURCES.json"));

describe.skipIf(!haveShared)("real datasets from ../shared/data (mirror)", () => {
  it("fetches l4s-sample and pyrate-cropA offline and verifies them (mirror)", async () => {
    const dataDir = join(work, "data");
    for (const id of ["l4s-sample", "pyrate-cropA"]) {
      const m = findManifest(id);
      const r = await fetchDataset(m, { dataDir, mirrors: [shared], offline: true, ...quiet });
      expect(r.outcomes.filter((o) => o.status !== "mirrored")).toEqual([]);
      expect(r.outcomes.length).toBe(m.files.length);
      expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);
    }
  });

  it("a flipped byte in a copy of the real mirror gives the hash error and nothing corrupt (mirror)", async () => {
    const copy = join(work, "mirror-copy");
    cpSync(shared, copy, { recursive: true });
    const target = join(copy, "l4s-sample/image_1.h5");
    chmodSync(target, 0o644);
    const buf = readFileSync(target);
    buf[4096] ^= 0x01;
    writeFileSync(target, buf);
    const dataDir = join(work, "data");
    const m = findManifest("l4s-sample");
    const r = await fetchDataset(m, { dataDir, mirrors: [copy], offline: true, ...quiet });
    const failed = r.outcomes.filter((o) => o.status === "failed");
    expect(failed.map((o) => o.path)).toEqual(["image_1.h5"]);
    const want = m.files.find((f) => f.path === "image_1.h5")!.sha256!;
    expect(failed[0].error).toContain(`sha256 mismatch for l4s-sample/image_1.h5: expected ${want}, actual ${sha256(buf)}`);
    expect(existsSync(join(dataDir, "l4s-sample/image_1.h5"))).toBe(false);
    expect(existsSync(join(dataDir, "l4s-sample/image_1.h5.part"))).toBe(false);
    const v = await verifyDataset(m, { dataDir });
    expect(v.problems).toEqual([{ path: "image_1.h5", problem: "missing" }]);
    copyFileSync(join(shared, "l4s-sample/image_1.h5"), join(copy, "l4s-sample/image_1.h5"));
  });
});
