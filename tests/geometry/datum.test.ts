import { describe, expect, it } from "vitest";
import { convertLonLat, parseDatum, type LonLat } from "../../src/geometry/datum";

/** Ellipsoidal distance for small separations (metres): local radii of curvature on WGS-84. */
function metres(p: LonLat, q: LonLat): number {
  const a = 6378137;
  const e2 = 0.00669437999014;
  const phi = (((p[1] + q[1]) / 2) * Math.PI) / 180;
  const w = Math.sqrt(1 - e2 * Math.sin(phi) ** 2);
  const N = a / w;
  const M = (a * (1 - e2)) / w ** 3;
  const dx = (((q[0] - p[0]) * Math.PI) / 180) * N * Math.cos(phi);
  const dy = (((q[1] - p[1]) * Math.PI) / 180) * M;
  return Math.hypot(dx, dy);
}

// Published test values of wandergis/coordtransform (test/app.js), the reference JS implementation of
// the GCJ-02/BD-09 formulas, all for input (116.404, 39.915) in Beijing.
const INPUT: LonLat = [116.404, 39.915];
const WGS_TO_GCJ: LonLat = [116.41024449916938, 39.91640428150164];
const GCJ_TO_BD: LonLat = [116.41036949371029, 39.92133699351021];
const BD_TO_GCJ: LonLat = [116.39762729119315, 39.90865673957631];

describe("GCJ-02 and BD-09 against published coordinates", () => {
  it("WGS-84 → GCJ-02 matches the published forward value to a millimetre", () => {
    expect(metres(convertLonLat(INPUT, "WGS84", "GCJ02"), WGS_TO_GCJ)).toBeLessThan(1e-3);
  });
  it("GCJ-02 → BD-09 matches the published forward value to a millimetre", () => {
    expect(metres(convertLonLat(INPUT, "GCJ02", "BD09"), GCJ_TO_BD)).toBeLessThan(1e-3);
  });
  it("BD-09 → GCJ-02 agrees with the published one-step inverse within a metre", () => {
    expect(metres(convertLonLat(INPUT, "BD09", "GCJ02"), BD_TO_GCJ)).toBeLessThan(1);
  });
  it("published GCJ-02 and BD-09 values invert back to the input within a metre (in fact < 1 cm)", () => {
    expect(metres(convertLonLat(WGS_TO_GCJ, "GCJ02", "WGS84"), INPUT)).toBeLessThan(0.01);
    expect(metres(convertLonLat(GCJ_TO_BD, "BD09", "GCJ02"), INPUT)).toBeLessThan(0.01);
  });
  it("round trips WGS-84 → GCJ-02/BD-09 → WGS-84 close within a metre at Foshan stations", () => {
    const foshan: LonLat[] = [
      [113.1067226, 23.0296132], // Zumiao (Guangfo line), WGS-84 from the mirrored geometry
      [113.1344658, 22.9613391], // Xinchengdong
      [112.9810, 23.0300], // west Chancheng
    ];
    for (const p of foshan) {
      for (const d of ["GCJ02", "BD09"] as const) {
        const back = convertLonLat(convertLonLat(p, "WGS84", d), d, "WGS84");
        expect(metres(back, p)).toBeLessThan(0.01);
      }
    }
  });
  it("the offsets near Foshan are of the size of the 600 m buffer", () => {
    const p: LonLat = [113.1067226, 23.0296132];
    const gcj = metres(convertLonLat(p, "WGS84", "GCJ02"), p);
    const bd = metres(convertLonLat(p, "WGS84", "BD09"), p);
    expect(gcj).toBeGreaterThan(400);
    expect(gcj).toBeLessThan(800);
    expect(bd).toBeGreaterThan(1000);
  });
  it("refuses non-finite or swapped coordinates", () => {
    expect(() => convertLonLat([NaN, 23], "GCJ02", "WGS84")).toThrow(/not finite/);
    expect(() => convertLonLat([23, 113], "GCJ02", "WGS84")).toThrow(/latitude/);
  });
});

describe("parseDatum", () => {
  it("reads the names sources use, the first named datum winning", () => {
    expect(parseDatum("EPSG:4326 (WGS-84; source converted from Baidu BD-09)")).toBe("WGS84");
    expect(parseDatum("urn:ogc:def:crs:OGC:1.3:CRS84")).toBe("WGS84");
    expect(parseDatum("gcj-02")).toBe("GCJ02");
    expect(parseDatum("bd09ll")).toBe("BD09");
    expect(parseDatum("foshan_metro_stations_wgs84")).toBe("WGS84");
    expect(parseDatum("EPSG:32649")).toBeUndefined();
  });
});
