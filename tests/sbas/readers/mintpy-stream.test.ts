import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeH5, type H5Dataset } from "../../../src/io/hdf5";
import { readMintpyStackStreamed, writeMintpyStackStreamed } from "../../../src/sbas/readers/mintpy-stream";
import { withH5Reader } from "../../../src/io/hdf5";
import { execFileSync, spawnSync } from "node:child_process";
import { readMintpyStack } from "../../../src/sbas/mintpy-h5";

const [M, H, W] = [3, 4, 5];

async function stack(over: Partial<Record<string, H5Dataset | null>> = {}, attrs: Record<string, string> = { FILE_TYPE: "ifgramStack", WAVELENGTH: "0.0555" }): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "ifg-")), "ifgramStack.h5");
  const ds: Record<string, H5Dataset | null> = {
    date: { name: "date", shape: [M, 2], data: ["20200101", "20200113", "20200101", "20200125", "20200113", "20200125"] },
    bperp: { name: "bperp", shape: [M], data: Float32Array.of(10, -20, -30) },
    dropIfgram: { name: "dropIfgram", shape: [M], data: Int8Array.of(1, 0, 1) },
    unwrapPhase: { name: "unwrapPhase", shape: [M, H, W], data: Float32Array.from({ length: M * H * W }, (_, i) => i * 0.1) },
    coherence: { name: "coherence", shape: [M, H, W], data: new Float32Array(M * H * W).fill(0.7) },
    ...over,
  };
  await writeH5(file, Object.values(ds).filter((d): d is H5Dataset => d !== null), attrs);
  return file;
}

describe("block-wise ifgramStack.h5 reader", () => {
  it("reads what readMintpyStack reads, band by band", async () => {
    const file = await stack();
    const a = await readMintpyStackStreamed(file, { quiet: true });
    const b = await readMintpyStack(file);
    expect(a.pairs).toEqual(b.pairs);
    expect(a.keep).toEqual([true, false, true]);
    expect(Array.from(a.bperp)).toEqual(Array.from(b.bperp));
    a.unwrapPhase.forEach((p, k) => expect(Array.from(p)).toEqual(Array.from(b.unwrapPhase[k])));
    expect(a.coherence[2][19]).toBeCloseTo(0.7, 6);
  });

  it("names the file and dataset for a short bperp, a dropIfgram of the wrong length, a transposed coherence, a missing WAVELENGTH", async () => {
    await expect(readMintpyStackStreamed(await stack({ bperp: { name: "bperp", shape: [2], data: Float32Array.of(1, 2) } }))).rejects.toThrow(
      /ifgramStack\.h5: dataset bperp has shape \[2\], expected \[3\]/,
    );
    await expect(readMintpyStackStreamed(await stack({ dropIfgram: { name: "dropIfgram", shape: [4], data: Int8Array.of(1, 1, 1, 1) } }))).rejects.toThrow(
      /dataset dropIfgram has shape \[4\], expected \[3\]/,
    );
    await expect(
      readMintpyStackStreamed(await stack({ coherence: { name: "coherence", shape: [M, W, H], data: new Float32Array(M * H * W) } })),
    ).rejects.toThrow(/dataset coherence has shape \[3,5,4\] but unwrapPhase is \[3,4,5\] \(rows and columns transposed\)/);
    await expect(readMintpyStackStreamed(await stack({ bperp: null }))).rejects.toThrow(/has no "bperp" dataset \(required/);
    await expect(readMintpyStackStreamed(await stack({}, { FILE_TYPE: "ifgramStack" }))).rejects.toThrow(/has no WAVELENGTH attribute/);
  });

  it("writes a stack block-wise (chunked, gzip) that reads back equal, NaN as 0, and h5py sees the chunking", async () => {
    const src = await readMintpyStackStreamed(await stack(), { quiet: true });
    src.unwrapPhase[1][3] = NaN;
    const file = join(mkdtempSync(join(tmpdir(), "ifgw-")), "ifgramStack.h5");
    await writeMintpyStackStreamed(file, src, { gzip: 4, quiet: true });
    const back = await readMintpyStackStreamed(file, { quiet: true });
    expect(back.pairs).toEqual(src.pairs);
    expect(back.keep).toEqual(src.keep);
    expect(back.unwrapPhase[1][3]).toBe(0);
    expect(back.unwrapPhase[2][7]).toBeCloseTo(src.unwrapPhase[2][7], 6);
    expect(await withH5Reader(file, (r) => r.info("coherence").chunks)).toEqual([1, H, W]);
    if (spawnSync("/usr/bin/python3", ["-c", "import h5py"]).status === 0) {
      const out = execFileSync("/usr/bin/python3", ["-c", "import h5py,sys; f=h5py.File(sys.argv[1]); print(f['unwrapPhase'].compression, f.attrs['FILE_TYPE'], f['date'][1][1].decode())", file], { encoding: "utf8" });
      expect(out.trim()).toBe("gzip ifgramStack 20200125");
    }
  });
});
