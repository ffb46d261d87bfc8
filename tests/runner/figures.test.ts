/** Figure files for manuscripts: SVG and 300-dpi PNG of every Plotly figure, and figures.json. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { pngDpi, setPngDpi, type FiguresIndex } from "../../src/runner/figures";
import { skipBrowser } from "../helpers/browser";

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "latin1"), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1×1 grey PNG, built by hand. */
function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from([0, 128]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("figure files", () => {
  it("setPngDpi writes a pHYs chunk that reads back as 300 dpi (11811 px/m)", () => {
    const png = tinyPng();
    expect(pngDpi(png)).toBeUndefined();
    const out = setPngDpi(png, 300);
    expect(out.length).toBe(png.length + 21);
    expect(pngDpi(out)).toBe(300);
    expect(out.readUInt32BE(33 + 8)).toBe(11811);
  });
});

describe.skipIf(skipBrowser())("figure files in headless Chromium", () => {
  it("writes SVG and 300-dpi PNG named by the figure's id (or notebook and order) and figures.json", () => {
    const out = mkdtempSync(join(tmpdir(), "reports-"));
    const outputs = mkdtempSync(join(tmpdir(), "outputs-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproduce.ts", "--out", out, "--quiet", "--no-cache", "tests/fixtures/notebooks/a-ok.ipynb", "tests/fixtures/notebooks/f-product.ipynb"], {
      encoding: "utf8",
      env: { ...process.env, DLAB_OUTPUTS_DIR: outputs, DLAB_CACHE_DIR: join(outputs, ".cache") },
    });
    expect(r.status, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, "figures", "figures.json"), "utf8")) as FiguresIndex;
    expect(index.figures.map((f) => [f.id, f.notebook, f.index])).toEqual([
      ["a-ok-fig01", "a-ok", 1],
      ["fixture-values", "f-product", 1],
    ]);
    const fx = index.figures[1];
    expect(fx.caption).toBe("Values above the threshold");
    expect(fx.origin.origin).toBe("simulated");
    expect(fx.note).toBeUndefined();
    const svg = readFileSync(join(out, "figures", "fixture-values.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("fixture product");
    const png = readFileSync(join(out, "figures", "fixture-values.png"));
    expect(pngDpi(png)).toBe(300);
    // 700 × 450 CSS px at 300/96 → 2187 × 1406 px (Plotly floors; 7.29 × 4.69 in at 300 dpi)
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Math.floor((700 * 300) / 96), Math.floor((450 * 300) / 96)]);
    expect([fx.widthIn, fx.heightIn, fx.dpi]).toEqual([7.292, 4.688, 300]);
  }, 180_000);
});
