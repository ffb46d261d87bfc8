/**
 * Bad input never gives a silently wrong result: a corrupt SLC date is named, with its file, before any
 * PS is selected (issue cases "random bytes in one SLC", "a date that is all NaN", "all dates NaN").
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError } from "../../src/core/errors";
import { mulberry32 } from "../../src/core/random";
import { accumulate, amplitudeAnomalies, emptyStats } from "../../src/ps/amplitude-check";
import { selectCandidates } from "../../src/ps/selection";
import { memoryStack, openIsceStack, writeIsceStack } from "../../src/ps/stack";
import { simulatePsStack } from "../../src/samples/ps-stack";
import { FOSHAN_PS } from "../../src/studies/foshan/ps";

const sim = simulatePsStack({ seed: 5, width: 120, height: 60, quiet: true });
const { meta } = sim.stack;
const slcs = meta.dates.map((_, d) => Float32Array.from(sim.stack.readRows(d, 0, meta.height)));

function randomBytesSlc(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const u = new Uint32Array(n);
  for (let i = 0; i < n; i++) u[i] = Math.floor(rand() * 2 ** 32);
  return new Float32Array(u.buffer);
}

function statsOf(list: Float32Array[]) {
  return list.map((s) => {
    const st = emptyStats();
    accumulate(st, s);
    return st;
  });
}

describe("per-date amplitude anomalies of an SLC stack", () => {
  it("finds none in a sound stack, even with a 10× gain on one date (calibration absorbs it)", () => {
    const scaled = slcs.map((s, d) => (d === 3 ? s.map((v) => v * 10) : s));
    expect(amplitudeAnomalies(statsOf(slcs), meta.dates)).toEqual([]);
    expect(amplitudeAnomalies(statsOf(scaled), meta.dates)).toEqual([]);
  });

  it("random bytes in one SLC: names the date and says it is not SLC data", () => {
    const bad = slcs.map((s, d) => (d === 4 ? randomBytesSlc(s.length, 9) : s));
    const a = amplitudeAnomalies(statsOf(bad), meta.dates);
    expect(a.map((x) => x.dateIndex)).toEqual([4]);
    expect(a[0].problem).toMatch(new RegExp(`date ${meta.dates[4]}: .*not SLC data`));
  });

  it("a date that is all NaN, and a stack whose dates are all NaN, name every such date", () => {
    const nan = slcs.map((s, d) => (d === 2 ? new Float32Array(s.length).fill(NaN) : s));
    const a = amplitudeAnomalies(statsOf(nan), meta.dates);
    expect(a).toEqual([{ dateIndex: 2, problem: `date ${meta.dates[2]}: every sample is NaN or infinite` }]);
    const all = amplitudeAnomalies(statsOf(slcs.map((s) => new Float32Array(s.length).fill(NaN))), meta.dates);
    expect(all.map((x) => x.dateIndex)).toEqual(meta.dates.map((_, i) => i));
  });

  it("selection refuses a stack with a corrupt SLC file, naming the date and the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-bad-"));
    writeIsceStack(dir, meta, slcs);
    const stack = openIsceStack(dir);
    const file = stack.fileOf!(4);
    writeFileSync(file, Buffer.from(randomBytesSlc(slcs[4].length, 3).buffer));
    let err: unknown;
    try {
      selectCandidates(stack, FOSHAN_PS, { quiet: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toContain(`date ${meta.dates[4]}`);
    expect((err as Error).message).toContain(file);
  });

  it("memory stacks (no file per date) still name the date", () => {
    const bad = slcs.map((s, d) => (d === 1 ? new Float32Array(s.length).fill(NaN) : s));
    expect(() => selectCandidates(memoryStack(meta, bad), FOSHAN_PS, { quiet: true })).toThrow(new RegExp(`date ${meta.dates[1]}: every sample is NaN`));
  });
});
