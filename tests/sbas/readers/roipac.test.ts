import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRoipacStack } from "../../../src/sbas/readers/roipac";
import { detectReaderFormat } from "../../../src/sbas/readers";
import { bil, put, ramp } from "./fixtures";

const W = 3;
const H = 2;
const rsc = (d12: string, extra = "") =>
  `WIDTH         ${W}\nFILE_LENGTH   ${H}\nWAVELENGTH    0.0562356\nDATE12        ${d12}\nX_FIRST 100.0\nY_FIRST 30.0\nX_STEP 0.001\nY_STEP -0.001\n${extra}`;

function stack(): string {
  const dir = mkdtempSync(join(tmpdir(), "roipac-"));
  [["070101-070215", 80, 100], ["070215-070401", -40, -20]].forEach(([d12, top, bot], k) => {
    const stem = join(dir, `geo_${d12}`);
    put(`${stem}.unw`, bil([new Float32Array(W * H).fill(7), ramp(W * H, k)], W, true));
    put(`${stem}.unw.rsc`, rsc(String(d12), `P_BASELINE_TOP_HDR ${top}\nP_BASELINE_BOTTOM_HDR ${bot}\n`));
    put(`${stem}.cor`, bil([new Float32Array(W * H).fill(9), new Float32Array(W * H).fill(0.4 + 0.1 * k)], W, true));
    put(`${stem}.cor.rsc`, rsc(String(d12)));
  });
  return dir;
}

describe("ROI_PAC reader (RMG .unw/.cor with .rsc)", () => {
  it("reads band 2 of the RMG files, YYMMDD dates, baseline as the mean of top and bottom, the geocoding", async () => {
    const dir = stack();
    expect(detectReaderFormat(dir)).toBe("roipac");
    const s = await readRoipacStack(dir);
    expect(s.dates).toEqual(["20070101", "20070215", "20070401"]);
    expect(Array.from(s.bperp)).toEqual([90, -30]);
    expect(s.unwrapPhase[1][4]).toBeCloseTo(0.1, 6);
    expect(s.coherence[0][0]).toBeCloseTo(0.4, 6);
    expect(s.wavelength).toBe(0.0562356);
    expect(s.transform).toEqual({ originX: 100, originY: 30, pixelWidth: 0.001, pixelHeight: -0.001 });
  });

  it("names a missing baseline and a coherence without its unwrapped interferogram", async () => {
    const dir = stack();
    put(join(dir, "geo_070101-070215.unw.rsc"), rsc("070101-070215"));
    await expect(readRoipacStack(dir)).rejects.toThrow(/geo_070101-070215\.unw\.rsc: has no P_BASELINE_TOP_HDR and there is no 070101-070215_baseline\.rsc/);
    put(join(dir, "070101-070215_baseline.rsc"), "P_BASELINE_TOP_HDR 1\nP_BASELINE_BOTTOM_HDR 3\n");
    expect(Array.from((await readRoipacStack(dir)).bperp)).toEqual([2, -30]);
    rmSync(join(dir, "geo_070215-070401.unw"));
    await expect(readRoipacStack(dir)).rejects.toThrow(/geo_070215-070401\.unw: missing: geo_070215-070401\.cor has no unwrapped interferogram/);
  });

  it("refuses a file shorter than its .rsc says", async () => {
    const dir = stack();
    put(join(dir, "geo_070101-070215.unw"), bil([ramp(W * H, 0)], W, true));
    await expect(readRoipacStack(dir)).rejects.toThrow(/geo_070101-070215\.unw: has 24 bytes but its header describes 2 band\(s\) of 3×2/);
  });
});
