import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGammaNativeStack } from "../../../src/sbas/readers/gamma-native";
import { detectReaderFormat } from "../../../src/sbas/readers";
import { f32Bytes, put, ramp } from "./fixtures";

const W = 5;
const H = 4;
const MLI = `title: test\nsensor: S1A IW VV\nrange_samples: ${W}\nazimuth_lines: ${H}\nrange_looks: 8\nazimuth_looks: 2\nradar_frequency: 5.405e9 Hz\nheading: -167.5 degrees\nnear_range_slc: 800000.0 m\ncenter_range_slc: 850000.0 m\nrange_pixel_spacing: 18.6 m\nsar_to_earth_center: 7071000.0 m\nearth_radius_below_sensor: 6371000.0 m\n`;
const basePerp = (a: number, b: number) =>
  `  line   range      B_t       B_c        B_n     look angle      bpara       bperp       blen\n****\n 0 0 0 1 1 27 22 ${a} 39\n 0 200 0 1 1 27 22 ${b} 39\n`;

function stack(): string {
  const dir = mkdtempSync(join(tmpdir(), "gamma-"));
  put(join(dir, "20200101.rmli.par"), MLI);
  const pairs: [string, number][] = [["20200101_20200113", 10], ["20200113_20200125", -30], ["20200101_20200125", -20]];
  pairs.forEach(([tag, bp], k) => {
    const ph = ramp(W * H, k);
    ph[0] = 0; // GAMMA no data
    put(join(dir, tag, `${tag}.diff.unw`), f32Bytes(ph, false));
    put(join(dir, tag, `${tag}.cc`), f32Bytes(new Float32Array(W * H).fill(0.5 + 0.1 * k), false));
    put(join(dir, tag, `${tag}.off`), `interferogram_width: ${W}\ninterferogram_azimuth_lines: ${H}\n`);
    put(join(dir, tag, `${tag}.base_perp`), basePerp(bp - 1, bp + 1));
  });
  return dir;
}

describe("native GAMMA reader (big-endian float32 with .par/.off headers)", () => {
  it("reads big-endian phase and coherence, dates from names, bperp from base_perp, wavelength from the mli.par", async () => {
    const dir = stack();
    expect(detectReaderFormat(dir)).toBe("gamma-native");
    const s = await readGammaNativeStack(dir);
    expect([s.width, s.height]).toEqual([W, H]);
    expect(s.dates).toEqual(["20200101", "20200113", "20200125"]);
    expect(s.pairs).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(Array.from(s.bperp)).toEqual([10, -20, -30]);
    expect(s.wavelength).toBeCloseTo(299792458 / 5.405e9, 12);
    expect(s.unwrapPhase[1][0]).toBeNaN();
    expect(s.unwrapPhase[1][7]).toBeCloseTo(0.01 * 8 * 3, 6); // pair 20200101_20200125 was written third (k = 2)
    expect(s.coherence[2][3]).toBeCloseTo(0.6, 6);
    expect(s.attrs.ORBIT_DIRECTION).toBe("DESCENDING");
  });

  it("names the pair whose .unw is missing, or drops it with a note when asked", async () => {
    const dir = stack();
    rmSync(join(dir, "20200113_20200125", "20200113_20200125.diff.unw"));
    await expect(readGammaNativeStack(dir)).rejects.toThrow(/pair 20200113_20200125 has .* but no unwrapped phase 20200113_20200125\.unw/);
    const notes: string[] = [];
    const s = await readGammaNativeStack(dir, { dropPairsWithoutUnw: true, onNote: (m) => notes.push(m) });
    expect(s.pairs.length).toBe(2);
    expect(notes[0]).toMatch(/20200113_20200125: no unwrapped file/);
  });

  it("refuses a file whose size disagrees with the .off header and a missing baseline, naming the file", async () => {
    const dir = stack();
    const tag = "20200101_20200113";
    put(join(dir, tag, `${tag}.diff.unw`), f32Bytes(new Float32Array(W * H * 2), false));
    await expect(readGammaNativeStack(dir)).rejects.toThrow(/20200101_20200113\.diff\.unw: has 160 bytes .*1 band\(s\) of 5×4 .* that is 2 band\(s\)/);
    const dir2 = stack();
    rmSync(join(dir2, tag, `${tag}.base_perp`));
    await expect(readGammaNativeStack(dir2)).rejects.toThrow(/\.diff\.unw: has no baseline listing/);
  });
});
