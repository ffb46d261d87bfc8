/**
 * Output safety of the CLIs (issue cases "--out /proc/nope hangs forever", "--out <existing file> fails
 * after 10 s of work with a raw EEXIST", "*.tmp-PID files are never cleaned"): --out is checked before any
 * work, and temporaries of dead processes are removed.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { assertWritableFile, prepareOutputDir } from "../../src/core/atomic";
import { main as sbas } from "../../src/cli/sbas";
import { main as ps } from "../../src/cli/ps";
import { main as features } from "../../src/cli/landslide-features";

let stderr = "";
beforeEach(() => {
  stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe("--out is checked before any work", () => {
  const dir = mkdtempSync(join(tmpdir(), "out-safety-"));
  const file = join(dir, "a-file");
  writeFileSync(file, "x");

  it("--out /proc/nope fails at once (Node 20's recursive mkdir would loop)", async () => {
    const t0 = Date.now();
    expect(await sbas(["--input", join(dir, "no-stack"), "--out", "/proc/nope/out"])).toBe(1);
    expect(stderr).toMatch(/\/proc\/nope\/out: cannot write output under \/proc/);
    expect(await ps(["--input", join(dir, "no-stack"), "--out", "/proc/nope/out"])).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(60_000); // bounded: the old behaviour never returned
  });

  it("--out naming an existing file fails with a clear message, not EEXIST after the work", async () => {
    expect(await sbas(["--input", join(dir, "no-stack"), "--out", file])).toBe(1);
    expect(stderr).toMatch(/a-file: exists and is not a folder/);
    await expect(features(["--input", join(dir, "patch.h5"), "--out", dir])).rejects.toThrow(/is a folder; an output file path is expected/);
    expect(() => assertWritableFile(join(file, "x.tif"))).toThrow(/a-file: exists and is not a folder/);
  });

  it("temporaries left by a dead process are removed; a live process's are kept", () => {
    const out = join(dir, "out");
    mkdirSync(out, { recursive: true });
    const dead = join(out, `.velocity.h5.tmp-999999999-abc123`);
    const live = join(out, `.velocity.h5.tmp-${process.pid}-def456`);
    writeFileSync(dead, "partial");
    writeFileSync(live, "in progress");
    expect(prepareOutputDir(out)).toEqual([`.velocity.h5.tmp-999999999-abc123`]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
