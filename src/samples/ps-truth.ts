/**
 * The ps-stack sample's ground truth and subway lines: their types, the files the registered sample
 * writes (truth.json, lines.geojson), and the lookup that matches a selected point to its scatterer.
 */
export type ScattererKind = "ps" | "ds";

/** Ground truth of every coherent pixel (PS) and coherent 5×1 cell (DS, listed at its first pixel). */
export interface PsTruth {
  dates: string[];
  width: number;
  height: number;
  /** Reference-free truth: velocity mm/yr (LSQ slope of the displacement), DEM error m, displacement mm per date. */
  scatterers: {
    row: Int32Array;
    col: Int32Array;
    kind: ScattererKind[];
    /** Short-term coherence γ0 of the ground component (1 for PS: their quality is set by amplitude). */
    gamma: Float64Array;
    /** Long-term coherence floor γ∞ of a DS (the persistent share; 1 for PS). */
    gammaFloor: Float64Array;
    /** e-folding time τ (days) of the decaying share of a DS's coherence (Infinity: no decay). */
    decorrelationDays: Float64Array;
    lon: Float64Array;
    lat: Float64Array;
    velocity: Float64Array;
    demError: Float64Array;
    /** Settlement share: |logistic part| at the last date, mm (0 away from the lines). */
    lineSettlement: Float64Array;
    displacement: Float64Array[];
  };
  /** Per-pixel class: 0 clutter, 1 point scatterer, 2 coherent distributed cell member. */
  pixelKind: Uint8Array;
  /** Per-date amplitude calibration gain applied by the simulator. */
  gain: Float64Array;
  areas: { name: string; lon: number; lat: number; radiusM: number; velocity: number }[];
}

export interface SubwayLine {
  name: string;
  /** [lon, lat] vertices. */
  coordinates: [number, number][];
  settlementMm: number;
  /** Years after the first date at which the logistic settlement is half done. */
  midYear: number;
}

export function linesGeoJson(lines: SubwayLine[]): string {
  return JSON.stringify({
    type: "FeatureCollection",
    features: lines.map((l) => ({
      type: "Feature",
      geometry: { type: "LineString", coordinates: l.coordinates },
      properties: { name: l.name, settlementMm: l.settlementMm, settlementMidYear: Number(l.midYear.toFixed(3)) },
    })),
  });
}

export function truthJson(tr: PsTruth): string {
  const s = tr.scatterers;
  const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
  return JSON.stringify({
    dates: tr.dates,
    width: tr.width,
    height: tr.height,
    gain: Array.from(tr.gain, r6),
    areas: tr.areas,
    scatterers: Array.from(s.row, (_, i) => ({
      row: s.row[i],
      col: s.col[i],
      kind: s.kind[i],
      gamma: r6(s.gamma[i]),
      gammaFloor: r6(s.gammaFloor[i]),
      decorrelationDays: Number.isFinite(s.decorrelationDays[i]) ? r6(s.decorrelationDays[i]) : null,
      lon: r6(s.lon[i] * 10) / 10,
      lat: r6(s.lat[i] * 10) / 10,
      velocity: r6(s.velocity[i]),
      demError: r6(s.demError[i]),
      lineSettlement: r6(s.lineSettlement[i]),
      displacement: Array.from(s.displacement[i], (d) => Math.round(d * 1000) / 1000),
    })),
  });
}

/**
 * Maps a selected point to its truth scatterer: a classic PS must sit on a true scatterer pixel; a
 * multilooked point (listed at the first pixel of its cell) matches the cell's DS or, failing that, the
 * first point scatterer inside the cell. Undefined = a false detection.
 */
export function truthLookup(truth: PsTruth, multilookRange = 5): (row: number, col: number, kind: number) => number | undefined {
  const W = truth.width;
  const s = truth.scatterers;
  const at = new Map<number, number>();
  for (let i = 0; i < s.row.length; i++) at.set(s.row[i] * W + s.col[i], i);
  return (row, col, kind) => {
    const px = row * W + col;
    if (kind === 1) return at.get(px);
    for (let p = 0; p < multilookRange && col + p < W; p++) {
      const i = at.get(px + p);
      if (i !== undefined) return i;
    }
    return undefined;
  };
}
