/**
 * The motion and geometry models of the ps-stack scene: date arithmetic, distance to the subway lines,
 * the paper's logistic settlement (eq. 2) and the distributed scatterers' temporal coherence decay.
 */
/** Foshan (Chancheng/Shunde border), paper Fig 1. */
export const CENTER = { lon: 113.1, lat: 23.0 };
/** Sentinel-1 IW ground pixel: 2.33 m slant range / sin(39°), 13.9 m azimuth. */
export const RANGE_GROUND_M = 3.7;
export const AZIMUTH_M = 13.9;
/** Ascending track heading, degrees clockwise from north. */
export const HEADING_DEG = -12;
export const M_PER_DEG_LAT = 110_574;
export const M_PER_DEG_LON = 111_320 * Math.cos((CENTER.lat * Math.PI) / 180);

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso + "T00:00:00Z") + days * 86400e3).toISOString().slice(0, 10);
}

export function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

export function distToPolyline(x: number, y: number, pts: [number, number][]): number {
  let d = Infinity;
  for (let i = 0; i + 1 < pts.length; i++) d = Math.min(d, distToSegment(x, y, pts[i][0], pts[i][1], pts[i + 1][0], pts[i + 1][1]));
  return d;
}

/** Logistic settlement of the paper's eq. 2, S(t) = b/(1 + a·e^(−c·t)), with a set by the midpoint. */
export function logisticSettlement(b: number, c: number, midYear: number, t: number): number {
  const a = Math.exp(c * midYear);
  return b / (1 + a * Math.exp(-c * t));
}

/** Coherence between two dates `dtDays` apart of a DS with short-term γ0, floor γ∞ and decay time τ. */
export function dsCoherence(gamma0: number, floor: number, tauDays: number, dtDays: number): number {
  if (dtDays === 0) return 1;
  return floor + (gamma0 - floor) * Math.exp(-Math.abs(dtDays) / tauDays);
}
