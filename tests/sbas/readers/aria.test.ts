import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeH5, type H5Dataset } from "../../../src/io/hdf5";
import { ARIA, readAriaStack } from "../../../src/sbas/readers/aria";
import { detectReaderFormat } from "../../../src/sbas/readers";
import { ramp } from "./fixtures";

const NLAT = 3;
const NLON = 4;

async function product(dir: string, name: string, k: number, over: Partial<Record<string, H5Dataset | null>> = {}): Promise<void> {
  const n = NLAT * NLON;
  const ds: Record<string, H5Dataset | null> = {
    [ARIA.unw]: { name: ARIA.unw, shape: [NLAT, NLON], data: ramp(n, k) },
    [ARIA.coh]: { name: ARIA.coh, shape: [NLAT, NLON], data: new Float32Array(n).fill(0.8) },
    [ARIA.lat]: { name: ARIA.lat, shape: [NLAT], data: Float32Array.of(35.0, 34.99, 34.98) },
    [ARIA.lon]: { name: ARIA.lon, shape: [NLON], data: Float32Array.of(-118.0, -117.99, -117.98, -117.97) },
    // coarse cube [heights, lat, lon]; one NaN cell is ignored
    [ARIA.bperp]: { name: ARIA.bperp, shape: [2, 2, 2], data: Float32Array.of(10 * k, 10 * k, 10 * k, 10 * k + 4, 10 * k + 4, 10 * k + 4, 10 * k + 4, NaN) },
    [ARIA.wavelength]: { name: ARIA.wavelength, shape: [1], data: Float64Array.of(0.05546576) },
    ...over,
  };
  await writeH5(join(dir, name), Object.values(ds).filter((d): d is H5Dataset => d !== null), { Conventions: "CF-1.6" });
}

const NAMES = [
  "S1-GUNW-D-R-071-tops-20200113_20200101-135156-34956N_32979N-PP-913f-v2_0_4.nc",
  "S1-GUNW-D-R-071-tops-20200125_20200113-135156-34956N_32979N-PP-913f-v2_0_4.nc",
];

describe("ARIA GUNW reader (NetCDF4 science/grids/data)", () => {
  it("stores pairs reference → secondary (names carry secondary first), bperp cube mean, lat/lon grid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aria-"));
    await product(dir, NAMES[0], 1);
    await product(dir, NAMES[1], 2);
    expect(detectReaderFormat(dir)).toBe("aria");
    const s = await readAriaStack(dir);
    expect(s.dates).toEqual(["20200101", "20200113", "20200125"]);
    expect(s.pairs).toEqual([[0, 1], [1, 2]]);
    expect(s.bperp[0]).toBeCloseTo((10 * 3 + 14 * 4) / 7, 5);
    expect(s.unwrapPhase[1][3]).toBeCloseTo(0.12, 6);
    expect(s.wavelength).toBeCloseTo(0.05546576, 10);
    expect(s.transform!.originX).toBeCloseTo(-118.005, 5);
    expect(s.transform!.pixelHeight).toBeCloseTo(-0.01, 5);
  });

  it("names a transposed coherence and a missing baseline cube by file and dataset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aria-"));
    await product(dir, NAMES[0], 1, { [ARIA.coh]: { name: ARIA.coh, shape: [NLON, NLAT], data: new Float32Array(12) } });
    await expect(readAriaStack(dir)).rejects.toThrow(/tops-20200113_20200101.*\.nc: \/science\/grids\/data\/coherence is \[4,3\] but .* \(transposed: lon, lat order\)/);
    const dir2 = mkdtempSync(join(tmpdir(), "aria-"));
    await product(dir2, NAMES[0], 1, { [ARIA.bperp]: null });
    await expect(readAriaStack(dir2)).rejects.toThrow(/has no dataset \/science\/grids\/imagingGeometry\/perpendicularBaseline/);
  });
});
