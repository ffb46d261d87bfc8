/**
 * Colour scales shared by the images a notebook draws itself (raster layers of maps) and the Plotly
 * colourbars beside them, so a pixel's colour and the bar always agree. A PNG encoder (RGBA, zlib)
 * turns such images into data URLs: maps stay one self-contained spec, with no tile server.
 */
import { crc32, deflateSync } from "node:zlib";

export type Rgb = [number, number, number];
export type ColourStops = [number, Rgb][];

/** Red (subsiding, negative) through white to blue (uplift): the convention of InSAR velocity maps. */
export const VELOCITY_STOPS: ColourStops = [
  [0, [103, 0, 31]],
  [0.25, [214, 96, 77]],
  [0.5, [247, 247, 247]],
  [0.75, [67, 147, 195]],
  [1, [5, 48, 97]],
];

export const VIRIDIS_STOPS: ColourStops = [
  [0, [68, 1, 84]],
  [0.25, [59, 82, 139]],
  [0.5, [33, 145, 140]],
  [0.75, [94, 201, 98]],
  [1, [253, 231, 37]],
];

/** Plotly's form of the same scale, for colourbars and markers. */
export function plotlyColorscale(stops: ColourStops): [number, string][] {
  return stops.map(([t, [r, g, b]]) => [t, `rgb(${r},${g},${b})`]);
}

/** The colour of `v` on a linear scale over [lo, hi] (clamped), interpolated between stops. */
export function colourAt(stops: ColourStops, v: number, lo: number, hi: number): Rgb {
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i];
    if (t <= t1) {
      const [t0, c0] = stops[i - 1];
      const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
      return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as Rgb;
    }
  }
  return stops[stops.length - 1][1];
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** An RGBA image (row 0 at the top) as PNG bytes. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for a ${width}×${height} RGBA image`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Values (row-major, row 0 north) coloured on [lo, hi]; NaN pixels are transparent. */
export function colourImage(values: ArrayLike<number>, width: number, height: number, stops: ColourStops, lo: number, hi: number, opacity = 1): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const a = Math.round(255 * opacity);
  for (let i = 0; i < width * height; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const [r, g, b] = colourAt(stops, v, lo, hi);
    out.set([r, g, b, a], i * 4);
  }
  return out;
}
