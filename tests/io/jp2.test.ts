import { describe, expect, it } from "vitest";
import { decodeJp2, encodeJp2, Jp2Error } from "../../src/io/jp2";

function pattern(w: number, h: number): Uint16Array {
  // Every bit of the 16-bit range is exercised (a 12-bit-only pattern would hide a byte-order slip).
  return Uint16Array.from({ length: w * h }, (_, i) => (i * 7919 + (i % w) * 257) % 65536);
}

describe("JPEG 2000 codec", () => {
  it("round-trips a 16-bit single-component image losslessly, as JP2 and as a raw codestream", async () => {
    const w = 61;
    const h = 47; // odd sizes: no tile or decomposition falls on a power of two
    const src = pattern(w, h);
    for (const container of ["jp2", "j2k"] as const) {
      const bytes = await encodeJp2({ width: w, height: h, data: src }, { container });
      // JP2 starts with its signature box, a codestream with the SOC marker
      expect(Array.from(bytes.slice(0, 4))).toEqual(container === "jp2" ? [0, 0, 0, 12] : [0xff, 0x4f, 0xff, 0x51]);
      const img = await decodeJp2(bytes, `image.${container}`);
      expect(img).toMatchObject({ width: w, height: h, bitsPerSample: 16, signed: false, components: 1 });
      expect(img.data).toBeInstanceOf(Uint16Array);
      expect(Array.from(img.data)).toEqual(Array.from(src));
    }
  });

  it("round-trips 8-bit and tiny images", async () => {
    const src8 = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
    const img8 = await decodeJp2(await encodeJp2({ width: 5, height: 3, data: src8 }), "small.jp2");
    expect(img8.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img8.data)).toEqual(Array.from(src8));
    const one = await decodeJp2(await encodeJp2({ width: 1, height: 1, data: new Uint16Array([54321]) }), "one.jp2");
    expect(Array.from(one.data)).toEqual([54321]);
  });

  it("names the file and the problem for bad bytes", async () => {
    const good = await encodeJp2({ width: 32, height: 32, data: pattern(32, 32) });
    await expect(decodeJp2(new Uint8Array(0), "empty.jp2")).rejects.toThrow(/empty\.jp2: only 0 bytes: not a JPEG 2000 file/);
    await expect(decodeJp2(new TextEncoder().encode("GIF89a this is not jpeg 2000"), "x.jp2")).rejects.toThrow(
      /x\.jp2: not a JPEG 2000 file/,
    );
    const cut = good.slice(0, Math.floor(good.length / 2));
    await expect(decodeJp2(cut, "T49RDP_B04.jp2")).rejects.toThrow(/T49RDP_B04\.jp2: cannot decode \(.+\)/);
    const garbled = good.slice();
    garbled.fill(0x55, 60, 120); // inside the main header: the codec cannot find its markers
    await expect(decodeJp2(garbled, "garbled.jp2")).rejects.toBeInstanceOf(Jp2Error);
    // the codec recovers: the next good file decodes
    expect((await decodeJp2(good, "good.jp2")).width).toBe(32);
  });

  it("refuses images it cannot encode", async () => {
    await expect(encodeJp2({ width: 2, height: 2, data: new Uint16Array(3) })).rejects.toThrow(/3 samples, expected 2×2/);
    await expect(encodeJp2({ width: 0, height: 2, data: new Uint16Array(0) })).rejects.toThrow(/invalid size/);
  });
});
