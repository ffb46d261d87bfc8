import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { parseArgs, runCli } from "../../src/cli/data";
import type { SampleDataset } from "../../src/samples/registry";
import { fixtureBytes, sha256, tempDir } from "../data/server";

process.env.DLAB_QUIET = "1";

function io(): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

const sample: SampleDataset = {
  id: "tiny",
  version: "1",
  description: "tiny",
  async build(dir, { seed }) {
    writeFileSync(join(dir, "x.txt"), `seed ${seed}`);
  },
};

let work: string;
let manifests: string;
let mirror: string;
const body = fixtureBytes(4096, 5);

beforeEach(() => {
  work = tempDir("cli");
  manifests = join(work, "manifests");
  mirror = join(work, "mirror");
  mkdirSync(manifests);
  mkdirSync(mirror);
  writeFileSync(join(mirror, "anything.bin"), body);
  writeFileSync(
    join(manifests, "demo.json"),
    JSON.stringify({ id: "demo", title: "Demo set", description: "d", licence: "l", citation: "c", files: [{ path: "f.bin", url: "http://127.0.0.1:9/f.bin", sha256: sha256(body), size: body.length }] }),
  );
});

describe("npm run data", () => {
  it("parses options anywhere, with = or a separate value", () => {
    const a = parseArgs(["fetch", "a", "--mirror", "/m1", "b", "--mirror=/m2", "--data-dir", "/d", "--offline", "--retries=2"]);
    expect(a).toMatchObject({ command: "fetch", positional: ["a", "b"], mirrors: ["/m1", "/m2"], dataDir: "/d", numbers: { retries: 2 } });
    expect(a.flags.has("--offline")).toBe(true);
    expect(parseArgs(["samples", "--only", "l4s,ps-stack", "--only", "sbas-stack"]).only).toEqual(["l4s", "ps-stack", "sbas-stack"]);
  });

  it("list, fetch --mirror --offline, verify, path", async () => {
    const dd = join(work, "data");
    const base = ["--data-dir", dd, "--manifests", manifests];
    let t = io();
    expect(await runCli(["list", ...base], t.io, [sample])).toBe(0);
    expect(t.out.join("\n")).toMatch(/demo\s+1 file\(s\), 4\.0 KiB\s+Demo set/);
    expect(t.out.join("\n")).toContain("tiny v1 (not built)");

    t = io();
    expect(await runCli(["path", "demo", ...base], t.io, [sample])).toBe(1);
    expect(t.err.join("\n")).toContain("Run: npm run data -- fetch demo");

    t = io();
    expect(await runCli(["fetch", "demo", "--mirror", mirror, "--offline", ...base], t.io, [sample])).toBe(0);
    expect(t.out).toEqual([`demo: 0 downloaded, 1 from mirror, 0 already present, 0 failed (4.0 KiB) → ${join(dd, "demo")}`]);

    t = io();
    expect(await runCli(["verify", ...base], t.io, [sample])).toBe(0);
    expect(t.out).toEqual(["demo: ok (1 file(s) checked)"]);

    t = io();
    expect(await runCli(["path", "demo", ...base], t.io, [sample])).toBe(0);
    expect(t.out).toEqual([join(dd, "demo")]);

    writeFileSync(join(dd, "demo/f.bin"), "tampered");
    t = io();
    expect(await runCli(["verify", "demo", ...base], t.io, [sample])).toBe(1);
    expect(t.err.join("\n")).toMatch(/demo\/f\.bin: Size mismatch/);
  });

  it("fetch fails with exit code 1 and the hash error when the mirror copy is corrupt", async () => {
    const bad = Buffer.from(body);
    bad[7] ^= 1;
    writeFileSync(join(mirror, "anything.bin"), bad);
    // With SOURCES.json the mirror says which file should hold the hash; the copy is checked anyway.
    writeFileSync(join(mirror, "SOURCES.json"), JSON.stringify({ files: [{ path: "anything.bin", sha256: sha256(body) }] }));
    const dd = join(work, "data");
    const t = io();
    expect(await runCli(["fetch", "demo", "--mirror", mirror, "--offline", "--data-dir", dd, "--manifests", manifests], t.io, [sample])).toBe(1);
    expect(t.err.join("\n")).toContain(`sha256 mismatch for demo/f.bin: expected ${sha256(body)}, actual ${sha256(bad)}`);
    expect(existsSync(join(dd, "demo/f.bin"))).toBe(false);
  });

  it("samples, path samples, and verify samples", async () => {
    const dd = join(work, "data");
    let t = io();
    expect(await runCli(["samples", "--seed", "3", "--data-dir", dd], t.io, [sample])).toBe(0);
    expect(t.out[0]).toMatch(/^tiny: built — 1 file\(s\), 6 B, [\d.]+ s → /);
    t = io();
    expect(await runCli(["samples", "--seed", "3", "--data-dir", dd], t.io, [sample])).toBe(0);
    expect(t.out[0]).toMatch(/^tiny: cached/);
    t = io();
    expect(await runCli(["list", "--data-dir", dd, "--manifests", manifests], t.io, [sample])).toBe(0);
    expect(t.out.join("\n")).toContain("tiny v1 (built, seed 3, size 1)");
    t = io();
    expect(await runCli(["path", "samples", "--data-dir", dd], t.io, [sample])).toBe(0);
    expect(t.out).toEqual([join(dd, "samples")]);
    t = io();
    expect(await runCli(["path", "tiny", "--data-dir", dd, "--manifests", manifests], t.io, [sample])).toBe(0);
    expect(t.out).toEqual([join(dd, "samples/tiny")]);
    t = io();
    expect(await runCli(["verify", "samples", "--data-dir", dd, "--manifests", manifests], t.io, [sample])).toBe(0);
    expect(t.out).toEqual(["samples/tiny: ok"]);
  });

  it("usage errors exit with 2 and print the usage", async () => {
    for (const argv of [[], ["frobnicate"], ["fetch"], ["list", "--bogus"], ["samples", "--size"], ["samples", "--seed", "x"]]) {
      const t = io();
      expect(await runCli(argv, t.io, [sample])).toBe(2);
      expect(t.err.join("\n")).toContain("Usage: npm run data --");
    }
  });

  it("--help prints the usage and succeeds", async () => {
    const t = io();
    expect(await runCli(["--help"], t.io, [sample])).toBe(0);
    expect(t.out.join("\n")).toContain("Usage: npm run data --");
  });

  it("unknown dataset ids are named", async () => {
    const t = io();
    expect(await runCli(["fetch", "nope", "--manifests", manifests, "--data-dir", join(work, "d")], t.io, [sample])).toBe(1);
    expect(t.err.join("\n")).toMatch(/Unknown dataset "nope".*Known datasets: demo/);
  });

  it("DLAB_QUIET=1 silences the fetch and verify progress bars without --quiet", async () => {
    const dd = join(work, "data");
    const base = ["--data-dir", dd, "--manifests", manifests];
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      process.env.DLAB_QUIET = "1";
      expect(await runCli(["fetch", "demo", "--mirror", mirror, "--offline", ...base], io().io, [sample])).toBe(0);
      expect(await runCli(["verify", "demo", ...base], io().io, [sample])).toBe(0);
      expect(written).toEqual([]);
      // The same commands without the variable do draw their bars, so the silence above is the variable's.
      delete process.env.DLAB_QUIET;
      expect(await runCli(["verify", "demo", ...base], io().io, [sample])).toBe(0);
      expect(written.join("")).toContain("verify demo");
    } finally {
      process.env.DLAB_QUIET = "1";
      spy.mockRestore();
    }
  });

  it("fetch ../../../../elsewhere/manifest is refused: only plain manifest ids, or --manifests DIR", async () => {
    // A valid manifest outside the manifests folder, the kind a path argument used to load.
    const elsewhere = join(work, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(
      join(elsewhere, "manifest.json"),
      JSON.stringify({ id: "manifest", title: "t", description: "d", licence: "l", citation: "c", files: [{ path: "f.bin", url: "http://127.0.0.1:9/f.bin", sha256: sha256(body), size: body.length }] }),
    );
    const dd = join(work, "data");
    const base = ["--data-dir", dd, "--manifests", manifests, "--mirror", mirror, "--offline"];
    const paths = ["../../../../elsewhere/manifest", relative(manifests, join(elsewhere, "manifest")), join(elsewhere, "manifest"), "demo/../demo", ".hidden"];
    for (const command of ["fetch", "verify", "path"]) {
      for (const id of paths) {
        const t = io();
        expect(await runCli([command, id, ...base], t.io, [sample])).toBe(2);
        expect(t.err.join("\n")).toContain(`${JSON.stringify(id)} is not a dataset id: ids are plain names`);
        expect(t.err.join("\n")).toContain("pass --manifests DIR");
      }
    }
    expect(existsSync(dd)).toBe(false);
    // The explicit way to another folder works, and the dataset lands inside the data folder.
    let t = io();
    expect(await runCli(["fetch", "manifest", "--manifests", elsewhere, "--data-dir", dd, "--mirror", mirror, "--offline"], t.io, [sample])).toBe(0);
    t = io();
    expect(await runCli(["path", "manifest", "--manifests", elsewhere, "--data-dir", dd], t.io, [sample])).toBe(0);
    expect(t.out).toEqual([join(dd, "manifest")]);
  });
});
