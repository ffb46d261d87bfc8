import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listH5, readH5, readH5Slice, writeH5 } from "../../src/io/hdf5";

const MIRROR = join(process.cwd(), "..", "shared", "data");

describe("HDF5 through h5wasm", () => {
  it("writes groups, datasets and attributes and reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5-"));
    const file = join(dir, "ts.h5");
    const ts = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => i * 0.25);
    await writeH5(
      file,
      [
        { name: "timeseries", shape: [3, 4, 5], data: ts, attrs: { UNIT: "m" } },
        { name: "date", shape: [3], data: ["20230209", "20230221", "20230305"] },
        { name: "geometry/height", shape: [4, 5], data: new Float64Array(20).fill(250) },
        { name: "mask", shape: [4, 5], data: Uint8Array.from({ length: 20 }, (_, i) => i % 2) },
        { name: "count", shape: [2], data: Uint16Array.of(1, 65535) },
      ],
      { FILE_TYPE: "timeseries", WAVELENGTH: 0.05546576 },
    );
    expect(readdirSync(dir)).toEqual(["ts.h5"]);
    expect((await listH5(file)).sort()).toEqual(["count", "date", "geometry/height", "mask", "timeseries"]);
    const back = await readH5(file);
    expect(back.attrs.FILE_TYPE).toBe("timeseries");
    expect(back.attrs.WAVELENGTH).toBeCloseTo(0.05546576, 10);
    expect(back.datasets.timeseries.shape).toEqual([3, 4, 5]);
    expect(Array.from(back.datasets.timeseries.data as Float32Array)).toEqual(Array.from(ts));
    expect(back.datasets.timeseries.attrs?.UNIT).toBe("m");
    expect(back.datasets.mask.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.datasets.mask.data as Uint8Array).slice(0, 4)).toEqual([0, 1, 0, 1]);
    expect(Array.from(back.datasets.count.data as Uint16Array)).toEqual([1, 65535]);
    expect(back.datasets.date.data).toEqual(["20230209", "20230221", "20230305"]);
    const slice = await readH5Slice(file, "timeseries", [[1, 2]]);
    expect(slice.shape).toEqual([1, 4, 5]);
    expect((slice.data as Float32Array)[0]).toBe(ts[20]);
  });

  it("reports missing datasets, corrupt files and shape mismatches by file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5-"));
    const bad = join(dir, "bad.h5");
    writeFileSync(bad, "garbage");
    await expect(readH5(bad)).rejects.toThrow(/bad\.h5/);
    await expect(readH5(join(dir, "none.h5"))).rejects.toThrow(/none\.h5: no such file/);
    const f = join(dir, "x.h5");
    await expect(writeH5(f, [{ name: "a", shape: [2, 2], data: new Float32Array(3) }])).rejects.toThrow(/x\.h5: dataset a: shape \[2, 2\] holds 4 values, data has 3/);
    expect(existsSync(f)).toBe(false);
    await writeH5(f, [{ name: "a", shape: [1], data: Float32Array.of(1) }]);
    await expect(readH5(f, ["b"])).rejects.toThrow(/x\.h5: has no dataset "b"/);
  });

  it.skipIf(!existsSync(join(MIRROR, "l4s-sample")))("(mirror) reads a real Landslide4Sense patch", async () => {
    const r = await readH5(join(MIRROR, "l4s-sample", "image_1.h5"), ["img"]);
    expect(r.datasets.img.shape).toEqual([128, 128, 14]);
    expect(r.datasets.img.data).toBeInstanceOf(Float64Array);
  });
});
