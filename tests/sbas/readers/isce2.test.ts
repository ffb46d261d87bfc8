import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readIsce2Stack } from "../../../src/sbas/readers/isce2";
import { detectReaderFormat } from "../../../src/sbas/readers";
import { bil, f32Bytes, put, ramp } from "./fixtures";

const W = 4;
const H = 3;
const xml = (bands: number, type = "FLOAT") =>
  `<imageFile><property name="width"><value>${W}</value></property><property name="length"><value>${H}</value></property>` +
  `<property name="number_bands"><value>${bands}</value></property><property name="data_type"><value>${type}</value></property>` +
  `<property name="scheme"><value>BIL</value></property><property name="byte_order"><value>l</value></property></imageFile>`;
const vrt = (file: string) =>
  `<VRTDataset rasterXSize="${W}" rasterYSize="${H}">` +
  [1, 2]
    .map(
      (b) =>
        `<VRTRasterBand dataType="Float32" band="${b}" subClass="VRTRawRasterBand"><SourceFilename relativeToVRT="1">${file}</SourceFilename>` +
        `<ByteOrder>LSB</ByteOrder><ImageOffset>${(b - 1) * W * 4}</ImageOffset><PixelOffset>4</PixelOffset><LineOffset>${2 * W * 4}</LineOffset></VRTRasterBand>`,
    )
    .join("") +
  `</VRTDataset>`;

/** Baselines per date relative to reference 20200101: 0, 40, -15 (two swaths averaged). */
function stack(): string {
  const root = mkdtempSync(join(tmpdir(), "isce-"));
  const b = { "20200113": [39, 41], "20200125": [-14, -16] } as Record<string, number[]>;
  for (const [d, v] of Object.entries(b))
    put(join(root, "baselines", `20200101_${d}`, `20200101_${d}.txt`), v.map((x, i) => `swath: IW${i + 1}\nBperp (average): ${x}\nBpar (average): 1\n`).join(""));
  ["20200101_20200113", "20200113_20200125", "20200101_20200125"].forEach((tag, k) => {
    const dir = join(root, "merged", "interferograms", tag);
    const amp = new Float32Array(W * H).fill(100);
    put(join(dir, "filt_fine.unw"), bil([amp, ramp(W * H, k)], W, true));
    // one pair described by a VRT only, as ISCE2 also writes
    if (k === 1) put(join(dir, "filt_fine.unw.vrt"), vrt("filt_fine.unw"));
    else put(join(dir, "filt_fine.unw.xml"), xml(2));
    put(join(dir, "filt_fine.cor"), f32Bytes(new Float32Array(W * H).fill(0.3 + 0.2 * k), true));
    put(join(dir, "filt_fine.cor.xml"), xml(1));
  });
  const g = join(root, "merged", "geom_reference");
  const hgt = Buffer.alloc(W * H * 8);
  for (let i = 0; i < W * H; i++) hgt.writeDoubleLE(500 + i, i * 8);
  put(join(g, "hgt.rdr"), hgt);
  put(join(g, "hgt.rdr.xml"), xml(1, "DOUBLE"));
  put(join(g, "los.rdr"), bil([new Float32Array(W * H).fill(34.5), new Float32Array(W * H).fill(-100)], W, true));
  put(join(g, "los.rdr.xml"), xml(2));
  return root;
}

describe("ISCE2 topsStack reader (merged/interferograms, baselines, geom_reference)", () => {
  it("reads band 2 (phase) of the 2-band BIL unw from .xml or .vrt, pair bperp from per-date baselines, geometry", async () => {
    const root = stack();
    expect(detectReaderFormat(root)).toBe("isce2");
    const s = await readIsce2Stack(root);
    expect(s.pairs).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(Array.from(s.bperp)).toEqual([40, -15, -55]);
    expect(s.unwrapPhase[0][5]).toBeCloseTo(0.06, 6); // not the amplitude 100
    expect(s.unwrapPhase[2][5]).toBeCloseTo(0.12, 6); // 20200113_20200125, from the VRT
    expect(s.coherence[1][0]).toBeCloseTo(0.7, 6);
    expect(s.geometry.height?.[11]).toBe(511);
    expect(s.geometry.incidenceAngle?.[0]).toBeCloseTo(34.5, 5);
  });

  it("refuses a 2-band file whose header says 1 band (never reads band 1 silently)", async () => {
    const root = stack();
    put(join(root, "merged", "interferograms", "20200101_20200113", "filt_fine.unw.xml"), xml(1));
    await expect(readIsce2Stack(root)).rejects.toThrow(/filt_fine\.unw: has 96 bytes but its header describes 1 band\(s\) .* that is 2 band\(s\)/);
  });

  it("names a missing unwrapped file (or drops the pair with a note) and a missing date baseline", async () => {
    const root = stack();
    rmSync(join(root, "merged", "interferograms", "20200113_20200125", "filt_fine.unw"));
    await expect(readIsce2Stack(root)).rejects.toThrow(/20200113_20200125\/filt_fine\.unw: missing/);
    const notes: string[] = [];
    const s = await readIsce2Stack(root, { dropPairsWithoutUnw: true, onNote: (m) => notes.push(m) });
    expect(s.pairs.length).toBe(2);
    expect(notes.join()).toMatch(/20200113_20200125.*dropped/);
    const root2 = stack();
    rmSync(join(root2, "baselines", "20200101_20200125"), { recursive: true });
    await expect(readIsce2Stack(root2)).rejects.toThrow(/baselines: has no baseline for 20200125 \(needed by pair 20200101_20200125\)/);
  });
});
