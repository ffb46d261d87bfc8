import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { l4sDir, sampleDir } from "../../src/landslide/data";
import { l4sSample } from "../../src/data/samples/l4s";

describe("landslide data locations", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.DLAB_DATA_DIR;
    process.env.DLAB_DATA_DIR = mkdtempSync(join(tmpdir(), "dlab-data-"));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DLAB_DATA_DIR;
    else process.env.DLAB_DATA_DIR = saved;
  });

  it("builds a sample once, stamps its version and rebuilds an outdated one", async () => {
    const dir = await sampleDir("l4s", { seed: 5, size: 0.0625, quiet: true });
    expect(dir.endsWith(join("samples", "l4s-seed5-size0.0625"))).toBe(true);
    expect(readFileSync(join(dir, ".sample-version"), "utf8").trim()).toBe(l4sSample.version);
    writeFileSync(join(dir, "marker"), "x");
    expect(await sampleDir("l4s", { seed: 5, size: 0.0625, quiet: true })).toBe(dir);
    expect(existsSync(join(dir, "marker"))).toBe(true); // reused
    writeFileSync(join(dir, ".sample-version"), "0\n");
    await sampleDir("l4s", { seed: 5, size: 0.0625, quiet: true });
    expect(existsSync(join(dir, "marker"))).toBe(false); // rebuilt
    await expect(sampleDir("nope")).rejects.toThrow(/no sample dataset "nope"/);
  });

  it("full profile without a download says where it looked", async () => {
    await expect(l4sDir("full")).rejects.toThrow(/Landslide4Sense not found at .*l4s/);
  });
});
