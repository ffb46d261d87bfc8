import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { datasetPath, describeDataset, ensureProfileInput, MissingDataError, resolveProfileInput, samplePath } from "../../src/samples/locate";
import { buildSamples, DEFAULT_SAMPLE_SEED, readStamp, STAMP_FILE, verifySample } from "../../src/samples/index";
import type { SampleDataset } from "../../src/samples/registry";
import { fixtureBytes, sha256, tempDir } from "../data/server";

/** A tiny seeded simulator: a "stack" of values and its truth, size scales the length. */
function fake(id: string, version: string, calls: { n: number }, fail = false): SampleDataset {
  return {
    id,
    version,
    description: "fake",
    async build(outDir, { seed, size }) {
      calls.n++;
      let x = seed >>> 0 || 1;
      const n = Math.round(100 * size);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        data[i] = x / 2 ** 32;
      }
      mkdirSync(join(outDir, "truth"));
      writeFileSync(join(outDir, "stack.bin"), Buffer.from(data.buffer));
      writeFileSync(join(outDir, "truth/velocity.json"), JSON.stringify({ mean: data.reduce((s, v) => s + v, 0) / n }));
      if (fail) throw new Error("simulated failure half-way");
    },
  };
}

let dataDir: string;
const quiet = { quiet: true, log: () => undefined };
beforeEach(() => {
  dataDir = tempDir("samples");
});

describe("buildSamples", () => {
  it("builds into samples/<id> with a stamp, then reuses the cache", async () => {
    const calls = { n: 0 };
    const reg = [fake("sbas-stack", "1", calls)];
    const r1 = await buildSamples({ dataDir, ...quiet }, reg);
    expect(r1).toMatchObject([{ id: "sbas-stack", status: "built", files: 2 }]);
    const dir = join(dataDir, "samples", "sbas-stack");
    const stamp = readStamp(dir)!;
    expect(stamp).toMatchObject({ id: "sbas-stack", version: "1", seed: DEFAULT_SAMPLE_SEED, size: 1 });
    expect(stamp.files.map((f) => f.path)).toEqual(["stack.bin", "truth/velocity.json"]);
    expect(stamp.files[0].sha256).toBe(sha256(readFileSync(join(dir, "stack.bin"))));
    expect(r1[0].bytes).toBe(400 + readFileSync(join(dir, "truth/velocity.json")).length);
    const r2 = await buildSamples({ dataDir, ...quiet }, reg);
    expect(r2[0].status).toBe("cached");
    expect(calls.n).toBe(1);
    // No temporary folders are left beside the datasets.
    expect(readdirSync(join(dataDir, "samples"))).toEqual(["sbas-stack"]);
  });

  it("rebuilds when the version, the seed or the size changes, or on --force", async () => {
    const calls = { n: 0 };
    await buildSamples({ dataDir, ...quiet }, [fake("ps-stack", "1", calls)]);
    await buildSamples({ dataDir, ...quiet }, [fake("ps-stack", "2", calls)]);
    expect(readStamp(join(dataDir, "samples/ps-stack"))!.version).toBe("2");
    await buildSamples({ dataDir, seed: 7, ...quiet }, [fake("ps-stack", "2", calls)]);
    await buildSamples({ dataDir, seed: 7, size: 3, ...quiet }, [fake("ps-stack", "2", calls)]);
    expect(readFileSync(join(dataDir, "samples/ps-stack/stack.bin")).length).toBe(300 * 4);
    await buildSamples({ dataDir, seed: 7, size: 3, ...quiet }, [fake("ps-stack", "2", calls)]);
    expect(calls.n).toBe(4);
    await buildSamples({ dataDir, seed: 7, size: 3, force: true, ...quiet }, [fake("ps-stack", "2", calls)]);
    expect(calls.n).toBe(5);
  });

  it("the same seed gives byte-identical files; another seed does not", async () => {
    const a = tempDir("sa");
    const b = tempDir("sb");
    const reg = [fake("l4s", "1", { n: 0 })];
    await buildSamples({ dataDir: a, seed: 5, ...quiet }, reg);
    await buildSamples({ dataDir: b, seed: 5, ...quiet }, reg);
    expect(readStamp(join(a, "samples/l4s"))!.files).toEqual(readStamp(join(b, "samples/l4s"))!.files);
    await buildSamples({ dataDir: b, seed: 6, ...quiet }, reg);
    expect(readStamp(join(b, "samples/l4s"))!.files[0].sha256).not.toBe(readStamp(join(a, "samples/l4s"))!.files[0].sha256);
  });

  it("a failed build keeps the previous copy and leaves no temporary folder", async () => {
    await buildSamples({ dataDir, ...quiet }, [fake("zigui-scene", "1", { n: 0 })]);
    const before = readFileSync(join(dataDir, "samples/zigui-scene/stack.bin"));
    await expect(buildSamples({ dataDir, ...quiet }, [fake("zigui-scene", "2", { n: 0 }, true)])).rejects.toThrow(
      /Building sample dataset zigui-scene failed: simulated failure half-way/,
    );
    expect(readFileSync(join(dataDir, "samples/zigui-scene/stack.bin")).equals(before)).toBe(true);
    expect(readStamp(join(dataDir, "samples/zigui-scene"))!.version).toBe("1");
    expect(readdirSync(join(dataDir, "samples"))).toEqual(["zigui-scene"]);
  });

  it("builds only the requested datasets and rejects unknown ids", async () => {
    const reg = [fake("l4s", "1", { n: 0 }), fake("ps-stack", "1", { n: 0 })];
    const r = await buildSamples({ dataDir, only: ["ps-stack"], ...quiet }, reg);
    expect(r.map((x) => x.id)).toEqual(["ps-stack"]);
    await expect(buildSamples({ dataDir, only: ["nope"], ...quiet }, reg)).rejects.toThrow(/Unknown sample dataset\(s\) nope; registered: l4s, ps-stack/);
  });

  it("verifySample finds a changed file", async () => {
    await buildSamples({ dataDir, ...quiet }, [fake("l4s", "1", { n: 0 })]);
    expect(await verifySample("l4s", dataDir)).toEqual([]);
    writeFileSync(join(dataDir, "samples/l4s/stack.bin"), "x");
    expect((await verifySample("l4s", dataDir))[0]).toMatch(/^l4s\/stack\.bin: sha256 mismatch: expected [0-9a-f]{64}, actual [0-9a-f]{64}$/);
  });
});

describe("locate", () => {
  it("tells the user which command builds or fetches missing data", () => {
    const reg = [fake("sbas-stack", "1", { n: 0 })];
    expect(() => samplePath("sbas-stack", { dataDir, registry: reg })).toThrow(/Run: npm run data -- samples --only sbas-stack/);
    expect(() => datasetPath("pyrate-cropA", { dataDir, profile: "mirror" })).toThrow(/Run: npm run data -- fetch pyrate-cropA --mirror \.\.\/shared\/data/);
    try {
      resolveProfileInput({ sample: "sbas-stack", real: "pyrate-cropA" }, "full", { dataDir });
    } catch (e) {
      expect(e).toBeInstanceOf(MissingDataError);
      expect((e as MissingDataError).command).toBe("npm run data -- fetch pyrate-cropA");
    }
  });

  it("resolves the folder per profile and flags a stale sample", async () => {
    const reg1 = [fake("l4s", "1", { n: 0 })];
    await buildSamples({ dataDir, ...quiet }, reg1);
    expect(samplePath("l4s", { dataDir, registry: reg1 })).toBe(join(dataDir, "samples/l4s"));
    expect(() => samplePath("l4s", { dataDir, registry: [fake("l4s", "2", { n: 0 })] })).toThrow(/is version 1, the simulator is now 2/);
    mkdirSync(join(dataDir, "l4s-sample"));
    writeFileSync(join(dataDir, "l4s-sample/.dlab-state.json"), "{}");
    expect(resolveProfileInput({ sample: "l4s", real: "l4s-sample", full: "landslide4sense" }, "mirror", { dataDir })).toEqual({
      profile: "mirror",
      kind: "dataset",
      id: "l4s-sample",
      dir: join(dataDir, "l4s-sample"),
    });
    expect(() => resolveProfileInput({ sample: "l4s", real: "l4s-sample", full: "landslide4sense" }, "full", { dataDir })).toThrow(/fetch landslide4sense/);
  });

  it("ensureProfileInput builds a missing or stale sample on demand", async () => {
    const calls = { n: 0 };
    const r = await ensureProfileInput({ sample: "ps-stack", real: "x" }, "sample", { dataDir, registry: [fake("ps-stack", "1", calls)], quiet: true });
    expect(r.dir).toBe(join(dataDir, "samples/ps-stack"));
    expect(existsSync(join(r.dir, STAMP_FILE))).toBe(true);
    await ensureProfileInput({ sample: "ps-stack", real: "x" }, "sample", { dataDir, registry: [fake("ps-stack", "1", calls)], quiet: true });
    expect(calls.n).toBe(1);
    await ensureProfileInput({ sample: "ps-stack", real: "x" }, "sample", { dataDir, registry: [fake("ps-stack", "2", calls)], quiet: true });
    expect(calls.n).toBe(2);
  });

  it("under the mirror profile, fetches a missing dataset from the mirror and describes its provenance", async () => {
    const saved = process.env.DLAB_MANIFESTS_DIR;
    const manifests = join(dataDir, "manifests");
    const mirror = join(dataDir, "mirror");
    mkdirSync(manifests);
    mkdirSync(mirror);
    const body = fixtureBytes(5000, 77);
    writeFileSync(join(mirror, "copy.bin"), body);
    writeFileSync(
      join(manifests, "real-stack.json"),
      JSON.stringify({ id: "real-stack", title: "Real stack", description: "d", licence: "Apache-2.0", citation: "Someone (2020)", files: [{ path: "f.bin", url: "https://example.org/f.bin", sha256: sha256(body), size: body.length }] }),
    );
    process.env.DLAB_MANIFESTS_DIR = manifests;
    try {
      const r = await ensureProfileInput({ sample: "x", real: "real-stack" }, "mirror", { dataDir, mirrors: [mirror], quiet: true });
      expect(r).toEqual({ profile: "mirror", kind: "dataset", id: "real-stack", dir: join(dataDir, "real-stack") });
      expect(readFileSync(join(r.dir, "f.bin")).equals(body)).toBe(true);
      const md = describeDataset("real-stack", { dataDir });
      expect(md).toContain("**Real stack** (`real-stack`)");
      expect(md).toContain("Licence: Apache-2.0");
      expect(md).toContain("1 file(s), 0.0 MiB, verified by sha256 (0 downloaded, 1 from a mirror, 0 already present)");
      // Without the file in the mirror, the error says what to run.
      writeFileSync(join(manifests, "other.json"), JSON.stringify({ id: "other", title: "o", description: "d", licence: "l", citation: "c", files: [{ path: "g.bin", url: "https://example.org/g.bin", sha256: "0".repeat(64), size: 1 }] }));
      await expect(ensureProfileInput({ sample: "x", real: "other" }, "mirror", { dataDir, mirrors: [mirror], quiet: true })).rejects.toThrow(
        /Dataset other could not be taken from the mirror .*1 file\(s\) failed/,
      );
    } finally {
      if (saved === undefined) delete process.env.DLAB_MANIFESTS_DIR;
      else process.env.DLAB_MANIFESTS_DIR = saved;
    }
  });
});
