import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { H5Error, readH5, readH5Block, withH5Reader } from "../../src/io/hdf5";
import { blockLength, H5ChunkedWriter, iterateH5Blocks } from "../../src/io/hdf5-stream";

const hasH5py = spawnSync("/usr/bin/python3", ["-c", "import h5py"]).status === 0;
const value = (k: number, r: number, c: number): number => k * 1000 + r * 10 + c * 0.5;

async function writeStack(file: string, m: number, h: number, w: number, blockBands: number, gzip?: number): Promise<void> {
  const wr = await H5ChunkedWriter.create(file, { FILE_TYPE: "ifgramStack" }, { totalBytes: m * h * w * 4, quiet: true });
  wr.create({ name: "unwrapPhase", shape: [m, h, w], gzip, attrs: { UNIT: "radian" } });
  wr.writeWhole({ name: "bperp", shape: [m], data: Float32Array.from({ length: m }, (_, k) => k * 10 - 25) });
  for (let k0 = 0; k0 < m; k0 += blockBands) {
    const n = Math.min(blockBands, m - k0);
    const data = new Float32Array(n * h * w);
    for (let k = 0; k < n; k++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data[(k * h + r) * w + c] = value(k0 + k, r, c);
    wr.write("unwrapPhase", [k0, 0, 0], [n, h, w], data);
  }
  wr.close();
}

describe("streamed HDF5 (blocks under a byte budget)", () => {
  it("writes a stack larger than the budget block by block and reads it back in blocks, never whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5s-"));
    const file = join(dir, "ifgramStack.h5");
    const [m, h, w] = [12, 40, 30]; // 57 600 bytes; the budget below is 10 000
    const budget = 10_000;
    await writeStack(file, m, h, w, 2, 4);
    expect(readdirSync(dir)).toEqual(["ifgramStack.h5"]);
    await expect(readH5(file, ["unwrapPhase"], { maxBytes: budget })).rejects.toThrow(/whole-read limit; read it in blocks/);
    expect(blockLength([m, h, w], 4, 0, budget)).toBe(2);
    let seen = 0;
    for await (const b of iterateH5Blocks(file, "unwrapPhase", { maxBytes: budget, quiet: true })) {
      expect((b.data as Float32Array).byteLength).toBeLessThanOrEqual(budget);
      for (let k = b.start; k < b.stop; k++) {
        const off = (k - b.start) * h * w;
        expect((b.data as Float32Array)[off + 7 * w + 3]).toBe(value(k, 7, 3));
      }
      seen += b.stop - b.start;
    }
    expect(seen).toBe(m);
    // Row blocks: each holds every band for a range of rows (MintPy's ifgram_inversion blocks).
    const rows: number[] = [];
    for await (const b of iterateH5Blocks(file, "unwrapPhase", { axis: 1, maxBytes: budget, quiet: true })) {
      expect(b.shape).toEqual([m, b.stop - b.start, w]);
      expect((b.data as Float32Array)[(11 * (b.stop - b.start) + 0) * w + 29]).toBe(value(11, b.start, 29));
      rows.push(b.stop - b.start);
    }
    expect(rows.reduce((a, b) => a + b, 0)).toBe(h);
    const blk = await readH5Block(file, "unwrapPhase", [5, 10, 2], [1, 2, 3]);
    expect(Array.from(blk.data as Float32Array)).toEqual([value(5, 10, 2), value(5, 10, 3), value(5, 10, 4), value(5, 11, 2), value(5, 11, 3), value(5, 11, 4)]);
    const info = await withH5Reader(file, (r) => r.info("unwrapPhase"));
    expect(info.chunks).toEqual([1, h, w]);
    expect(info.attrs.UNIT).toBe("radian");
  });

  it("refuses a missing dataset, a single slice over budget and a block outside the shape, and leaves no temporary file on failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5s-"));
    const file = join(dir, "s.h5");
    await writeStack(file, 3, 20, 20, 3);
    await expect(withH5Reader(file, (r) => r.read("coherence"))).rejects.toThrow(/has no dataset "coherence"/);
    await expect(readH5Block(file, "geometry/height", [0], [1])).rejects.toThrow(H5Error);
    const it1 = iterateH5Blocks(file, "unwrapPhase", { maxBytes: 100, quiet: true });
    await expect(it1.next()).rejects.toThrow(/exceeds the 100-byte block budget/);
    const wr = await H5ChunkedWriter.create(join(dir, "bad.h5"), {}, { quiet: true });
    wr.create({ name: "x", shape: [2, 3] });
    expect(() => wr.write("x", [1, 0], [2, 3], new Float32Array(6))).toThrow(/outside x \[2,3\]/);
    expect(readdirSync(dir).sort()).toEqual(["s.h5"]);
  });

  it("a non-HDF5 file and a missing nested dataset give one clear error and no HDF5-DIAG trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5s-"));
    const bad = join(dir, "bad.h5");
    writeFileSync(bad, "garbage, not HDF5");
    const good = join(dir, "s.h5");
    await writeStack(good, 2, 3, 3, 2);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const cerr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const cwarn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await expect(readH5(bad)).rejects.toThrow(/bad\.h5: not an HDF5 file \(no HDF5 signature\)/);
      await expect(readH5Block(good, "science/grids/data/unwrappedPhase", [0], [1])).rejects.toThrow(/has no dataset "science\/grids\/data\/unwrappedPhase"/);
      const printed = [...err.mock.calls, ...cerr.mock.calls, ...cwarn.mock.calls].map((c) => String(c[0])).join("");
      expect(printed).not.toMatch(/HDF5-DIAG/);
    } finally {
      err.mockRestore();
      cerr.mockRestore();
      cwarn.mockRestore();
    }
  });

  it.skipIf(!hasH5py)("round-trips with h5py (needs python3-h5py): h5py reads our chunked gzip stack, we read h5py's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h5s-"));
    const ours = join(dir, "ours.h5");
    await writeStack(ours, 4, 6, 5, 3, 6);
    const out = execFileSync(
      "/usr/bin/python3",
      [
        "-c",
        `import h5py,sys
f=h5py.File(sys.argv[1],'r'); d=f['unwrapPhase']
print(d.shape, d.chunks, d.compression, d.compression_opts, float(d[3,5,4]), float(f['bperp'][3]), f.attrs['FILE_TYPE'])
g=h5py.File(sys.argv[2],'w'); import numpy as np
g.create_dataset('coherence', data=np.arange(5*7*3, dtype='>f4').reshape(5,7,3)/100, chunks=(1,7,3), compression='gzip')
g.create_dataset('dates', data=np.array([b'20200101', b'20200113']))`,
        ours,
        join(dir, "theirs.h5"),
      ],
      { encoding: "utf8" },
    );
    expect(out.trim()).toBe(`(4, 6, 5) (1, 6, 5) gzip 6 ${value(3, 5, 4).toFixed(1)} 5.0 ifgramStack`);
    const blocks: number[] = [];
    for await (const b of iterateH5Blocks(join(dir, "theirs.h5"), "coherence", { maxBytes: 2 * 7 * 3 * 4, quiet: true })) {
      blocks.push(b.start);
      // big-endian float32 in the file, values come back native
      expect((b.data as Float32Array)[0]).toBeCloseTo((b.start * 21) / 100, 6);
    }
    expect(blocks).toEqual([0, 2, 4]);
    const dates = await readH5Block(join(dir, "theirs.h5"), "dates", [1], [1]);
    expect(dates.data).toEqual(["20200113"]);
    expect(existsSync(ours)).toBe(true);
  });
});
