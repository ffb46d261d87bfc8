import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStack } from "../../../src/sbas/load";
import { writeH5 } from "../../../src/io/hdf5";
import { detectReaderFormat } from "../../../src/sbas/readers";
import { bil, put, ramp } from "./fixtures";

describe("readers dispatch (through loadStack's hook)", () => {
  it("loadStack reads a ROI_PAC folder through the readers hook, and leaves unknown folders to load.ts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dispatch-"));
    const rsc = "WIDTH 2\nFILE_LENGTH 2\nWAVELENGTH 0.0562356\nDATE12 070101-070215\nP_BASELINE_TOP_HDR 10\nP_BASELINE_BOTTOM_HDR 20\n";
    put(join(dir, "070101-070215.unw"), bil([new Float32Array(4), ramp(4, 0)], 2, true));
    put(join(dir, "070101-070215.unw.rsc"), rsc);
    put(join(dir, "070101-070215.cor"), bil([new Float32Array(4), new Float32Array(4).fill(0.9)], 2, true));
    const s = await loadStack(dir, { quiet: true });
    expect(s.attrs.PROCESSOR).toBe("roipac");
    expect(Array.from(s.bperp)).toEqual([15]);
    const other = mkdtempSync(join(tmpdir(), "dispatch-"));
    writeFileSync(join(other, "readme.txt"), "nothing");
    expect(detectReaderFormat(other)).toBeUndefined();
    await expect(loadStack(other)).rejects.toThrow(/holds neither HyP3 products/);
    // a folder holding ifgramStack.h5 goes to the block-wise MintPy reader
    await writeH5(join(other, "ifgramStack.h5"), [
      { name: "date", shape: [1, 2], data: ["20200101", "20200113"] },
      { name: "bperp", shape: [1], data: Float32Array.of(5) },
      { name: "unwrapPhase", shape: [1, 2, 2], data: Float32Array.of(1, 2, 3, 4) },
    ], { FILE_TYPE: "ifgramStack", WAVELENGTH: "0.0555" });
    expect(detectReaderFormat(other)).toBe("mintpy-h5");
    expect(Array.from((await loadStack(other, { quiet: true })).unwrapPhase[0])).toEqual([1, 2, 3, 4]);
  });
});
