/**
 * Geographic datums of line and point data. Chinese web maps publish coordinates in GCJ-02 (AMap,
 * Tencent, Google China) or BD-09 (Baidu), obfuscated frames that near Foshan sit 500–700 m from
 * WGS-84 — as wide as the paper's 600 m subway buffer — so every geometry here carries its datum and
 * is converted explicitly before it meets InSAR points (which are always WGS-84).
 *
 * The forward transforms are the published GCJ-02/BD-09 formulas as implemented by `gcoord`. Neither
 * has a closed-form inverse; gcoord iterates GCJ-02→WGS-84 to 1e-6° (≈0.1 m) but inverts BD-09→GCJ-02
 * with the usual one-step approximation, so both inverses are polished here by fixed-point iteration
 * on the forward formula until the round trip closes to 1e-9° (≈0.1 mm).
 */
import gcoord from "gcoord";

export type Datum = "WGS84" | "GCJ02" | "BD09";
export const DATUMS: readonly Datum[] = ["WGS84", "GCJ02", "BD09"];

/** Longitude, latitude in degrees. */
export type LonLat = [number, number];

const INVERSE_TOLERANCE_DEG = 1e-9;
const INVERSE_MAX_ITER = 50;

export function isDatum(s: string): s is Datum {
  return (DATUMS as readonly string[]).includes(s);
}

/**
 * Parses the names data sources give a datum ("EPSG:4326", "gcj-02", "bd09ll", "Baidu" …). When a
 * description names several (e.g. "EPSG:4326 (WGS-84; converted from Baidu BD-09)"), the first one
 * named is the datum of the data, the rest is provenance.
 */
export function parseDatum(s: string): Datum | undefined {
  const t = s.toUpperCase().replace(/[\s_-]/g, "");
  const patterns: [Datum, RegExp][] = [
    ["BD09", /BD09(?!MC)|BAIDU|BMAP/],
    ["GCJ02", /GCJ02|AMAP|GAODE|MARS|TENCENT/],
    ["WGS84", /EPSG:?4326|WGS84|WGS1984|CRS84/],
  ];
  let best: Datum | undefined;
  let bestAt = Infinity;
  for (const [d, re] of patterns) {
    const m = re.exec(t);
    if (m && m.index < bestAt) {
      best = d;
      bestAt = m.index;
    }
  }
  return best;
}

function gcoordCrs(d: Datum): typeof gcoord.WGS84 | typeof gcoord.GCJ02 | typeof gcoord.BD09 {
  return d === "WGS84" ? gcoord.WGS84 : d === "GCJ02" ? gcoord.GCJ02 : gcoord.BD09;
}

function forward(p: LonLat, from: Datum, to: Datum): LonLat {
  const r = gcoord.transform([p[0], p[1]] as [number, number], gcoordCrs(from), gcoordCrs(to)) as number[];
  return [r[0], r[1]];
}

/** Solves forward(x) = target for x, starting from the library's approximate inverse. */
function polishInverse(target: LonLat, start: LonLat, from: Datum, to: Datum): LonLat {
  let x: LonLat = [start[0], start[1]];
  for (let i = 0; i < INVERSE_MAX_ITER; i++) {
    const f = forward(x, from, to);
    const dx = f[0] - target[0];
    const dy = f[1] - target[1];
    if (Math.abs(dx) < INVERSE_TOLERANCE_DEG && Math.abs(dy) < INVERSE_TOLERANCE_DEG) return x;
    x = [x[0] - dx, x[1] - dy];
  }
  return x;
}

const RANK: Record<Datum, number> = { WGS84: 0, GCJ02: 1, BD09: 2 };

/**
 * Converts one coordinate between datums. Outside the box where the Chinese offsets apply
 * (lon 72.004–137.8347, lat 0.8293–55.8271, gcoord's limits) GCJ-02 equals WGS-84.
 */
export function convertLonLat(p: LonLat, from: Datum, to: Datum): LonLat {
  if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new Error(`convertLonLat: coordinate [${p[0]}, ${p[1]}] is not finite`);
  }
  if (Math.abs(p[1]) > 90) throw new Error(`convertLonLat: latitude ${p[1]} outside ±90° (lon/lat order swapped?)`);
  if (from === to) return [p[0], p[1]];
  // Going up the chain WGS84 → GCJ02 → BD09 is the published forward formula; going down needs the inverse.
  if (RANK[to] > RANK[from]) return forward(p, from, to);
  if (from === "BD09" && to === "WGS84") return convertLonLat(convertLonLat(p, "BD09", "GCJ02"), "GCJ02", "WGS84");
  return polishInverse(p, forward(p, from, to), to, from);
}

export function convertLonLats(ps: readonly LonLat[], from: Datum, to: Datum): LonLat[] {
  return ps.map((p) => convertLonLat(p, from, to));
}
