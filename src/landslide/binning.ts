/**
 * Table 3 and Fig 7 of the Zigui study: landslides counted by their distance to the Three Gorges Dam,
 * and frequency curves of the factor values over the landslide polygons.
 *
 * Distances are great-circle distances (turf's haversine, mean Earth radius 6371.0088 km): at 60 km
 * they differ from the WGS-84 ellipsoidal geodesic by < 0.3 %, far below the 10 km bin width, and the
 * paper does not say how it measured. A landslide's distance is its centroid's by default.
 */
import { distance as turfDistance, point, pointToPolygonDistance } from "@turf/turf";
import type { LandslideCollection } from "./polygons";
import type { DamParams, FactorName, FactorRange } from "./params";

/** Great-circle distance in km between two WGS-84 points. */
export function distanceKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return turfDistance(point([lon1, lat1]), point([lon2, lat2]), { units: "kilometers" });
}

/** How a polygon's distance to the dam is measured. */
export type DistanceMeasure = "centroid" | "nearest";

/** Distance of each landslide to the dam, km, in collection order. */
export function landslideDistancesKm(
  fc: LandslideCollection,
  dam: Pick<DamParams, "lon" | "lat">,
  measure: DistanceMeasure = "centroid",
): number[] {
  return fc.features.map((f) => {
    if (measure === "centroid") return distanceKm(f.properties.centroid_lon, f.properties.centroid_lat, dam.lon, dam.lat);
    // Nearest edge of the outline (0 when the dam lies inside).
    const d = pointToPolygonDistance(point([dam.lon, dam.lat]), f.geometry, { units: "kilometers" });
    return Math.max(0, d);
  });
}

export interface BinRow {
  /** Label as Table 3 prints it: "<10", "10–20", … */
  bin: string;
  lo: number;
  hi: number;
  count: number;
}

/** Label of a Table 3 bin. */
export function binLabel(lo: number, hi: number, first: boolean): string {
  return first && lo === 0 ? `<${hi}` : `${lo}–${hi}`;
}

/**
 * Counts values into half-open bins [edge_i, edge_i+1). Values beyond the last edge (or below the
 * first) are returned as `outside`, so the table's total can be checked against the inventory.
 */
export function binCounts(values: number[], edges: number[]): { rows: BinRow[]; outside: number } {
  if (edges.length < 2) throw new Error("binCounts: need at least two bin edges");
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) throw new Error(`binCounts: bin edges must increase (${edges.join(", ")})`);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  let outside = 0;
  for (const v of values) {
    if (!(v >= edges[0] && v < edges[edges.length - 1])) {
      outside++;
      continue;
    }
    let i = 0;
    while (v >= edges[i + 1]) i++;
    counts[i]++;
  }
  return {
    rows: counts.map((count, i) => ({ bin: binLabel(edges[i], edges[i + 1], i === 0), lo: edges[i], hi: edges[i + 1], count })),
    outside,
  };
}

/** Table 3: landslides per distance bin to the dam. */
export function table3(
  fc: LandslideCollection,
  dam: DamParams,
  measure: DistanceMeasure = "centroid",
): { rows: BinRow[]; outside: number; total: number; distancesKm: number[] } {
  const d = landslideDistancesKm(fc, dam, measure);
  const { rows, outside } = binCounts(d, dam.binEdgesKm);
  return { rows, outside, total: fc.features.length, distancesKm: d };
}

export interface FrequencyCurve {
  factor: string;
  /** Bin centres. */
  x: number[];
  /** Landslides per bin. */
  count: number[];
  below: number;
  above: number;
  /** Polygons without a value (no finite pixel). */
  missing: number;
  /** The bin centre with the most landslides. */
  mode: number;
}

/** Histogram of one factor's values on the paper's range (Fig 7). The last bin includes `max`. */
export function frequencyCurve(factor: string, values: number[], range: FactorRange): FrequencyCurve {
  const nb = Math.max(1, Math.round((range.max - range.min) / range.binWidth));
  const w = (range.max - range.min) / nb;
  const count = new Array<number>(nb).fill(0);
  let below = 0;
  let above = 0;
  let missing = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) missing++;
    else if (v < range.min) below++;
    else if (v > range.max) above++;
    else count[Math.min(nb - 1, Math.floor((v - range.min) / w))]++;
  }
  const x = count.map((_c, i) => range.min + (i + 0.5) * w);
  let best = 0;
  for (let i = 1; i < nb; i++) if (count[i] > count[best]) best = i;
  return { factor, x, count, below, above, missing, mode: x[best] };
}

/** Fig 7: frequency curves of every factor over the polygons' per-polygon means. */
export function fig7Curves(
  fc: LandslideCollection,
  ranges: Record<FactorName, FactorRange>,
): FrequencyCurve[] {
  return (Object.keys(ranges) as FactorName[]).map((name) =>
    frequencyCurve(
      name,
      fc.features.map((f) => (typeof f.properties[name] === "number" ? f.properties[name] : NaN)),
      ranges[name],
    ),
  );
}
