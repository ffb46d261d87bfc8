/**
 * Polylines in a metric frame: length, chainage (distance along the line) and the nearest point of
 * the line to any point. Pure functions over Float64Array, x/y interleaved, metres.
 */

export interface MetricPolyline {
  /** Vertices, interleaved x0,y0,x1,y1,… in metres. */
  xy: Float64Array;
  /** Chainage of every vertex (cumulative length from the first vertex), metres. */
  chainage: Float64Array;
  length: number;
}

export function metricPolyline(xy: Float64Array): MetricPolyline {
  const n = xy.length / 2;
  if (!Number.isInteger(n) || n < 2) throw new Error(`metricPolyline: need at least 2 vertices, got ${n}`);
  const chainage = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const dx = xy[2 * i] - xy[2 * i - 2];
    const dy = xy[2 * i + 1] - xy[2 * i - 1];
    chainage[i] = chainage[i - 1] + Math.hypot(dx, dy);
  }
  if (chainage[n - 1] === 0) throw new Error("metricPolyline: all vertices coincide (zero-length line)");
  return { xy, chainage, length: chainage[n - 1] };
}

export interface NearestOnLine {
  /** Perpendicular (or end-point) distance from the point to the line, metres. */
  distance: number;
  /** Chainage of the foot point, metres from the first vertex. */
  chainage: number;
  /** Index of the segment (vertex i to i+1) holding the foot point. */
  segment: number;
  x: number;
  y: number;
}

/** The nearest point of the polyline to (px, py). */
export function nearestOnPolyline(line: MetricPolyline, px: number, py: number): NearestOnLine {
  const { xy, chainage } = line;
  const n = xy.length / 2;
  let best = Infinity;
  let bestSeg = 0;
  let bestT = 0;
  for (let i = 0; i < n - 1; i++) {
    const ax = xy[2 * i];
    const ay = xy[2 * i + 1];
    const dx = xy[2 * i + 2] - ax;
    const dy = xy[2 * i + 3] - ay;
    const len2 = dx * dx + dy * dy;
    let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    if (t < 0) t = 0;
    else if (t > 1) t = 1;
    const qx = ax + t * dx - px;
    const qy = ay + t * dy - py;
    const d2 = qx * qx + qy * qy;
    if (d2 < best) {
      best = d2;
      bestSeg = i;
      bestT = t;
    }
  }
  const ax = xy[2 * bestSeg];
  const ay = xy[2 * bestSeg + 1];
  const x = ax + bestT * (xy[2 * bestSeg + 2] - ax);
  const y = ay + bestT * (xy[2 * bestSeg + 3] - ay);
  return {
    distance: Math.sqrt(best),
    chainage: chainage[bestSeg] + bestT * (chainage[bestSeg + 1] - chainage[bestSeg]),
    segment: bestSeg,
    x,
    y,
  };
}

/** The point at a chainage along the line (clamped to its ends). */
export function pointAtChainage(line: MetricPolyline, s: number): [number, number] {
  const { xy, chainage } = line;
  const n = chainage.length;
  if (s <= 0) return [xy[0], xy[1]];
  if (s >= line.length) return [xy[2 * n - 2], xy[2 * n - 1]];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (chainage[mid] <= s) lo = mid;
    else hi = mid;
  }
  const seg = chainage[hi] - chainage[lo];
  const t = seg > 0 ? (s - chainage[lo]) / seg : 0;
  return [xy[2 * lo] + t * (xy[2 * hi] - xy[2 * lo]), xy[2 * lo + 1] + t * (xy[2 * hi + 1] - xy[2 * lo + 1])];
}

/** Axis-aligned bounds [minX, minY, maxX, maxY] of the vertices. */
export function bounds(xy: Float64Array): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    if (xy[i] < minX) minX = xy[i];
    if (xy[i] > maxX) maxX = xy[i];
    if (xy[i + 1] < minY) minY = xy[i + 1];
    if (xy[i + 1] > maxY) maxY = xy[i + 1];
  }
  return [minX, minY, maxX, maxY];
}

/**
 * The buffer of a polyline for maps, as one closed capsule ring per segment (round caps and joins,
 * `arcSteps` vertices per half circle). Membership tests use `nearestOnPolyline` distances, never
 * this outline.
 */
export function bufferOutline(line: MetricPolyline, radius: number, arcSteps = 16): Float64Array[] {
  // One capsule per segment: two half-circles joined by the parallel sides. Plotly fills each ring
  // with "toself", so overlapping capsules render as one band without a polygon union.
  const rings: Float64Array[] = [];
  const { xy } = line;
  const n = xy.length / 2;
  for (let i = 0; i < n - 1; i++) {
    const ax = xy[2 * i];
    const ay = xy[2 * i + 1];
    const bx = xy[2 * i + 2];
    const by = xy[2 * i + 3];
    const ang = Math.atan2(by - ay, bx - ax);
    const ring: number[] = [];
    for (let k = 0; k <= arcSteps; k++) {
      const a = ang - Math.PI / 2 + (Math.PI * k) / arcSteps;
      ring.push(bx + radius * Math.cos(a), by + radius * Math.sin(a));
    }
    for (let k = 0; k <= arcSteps; k++) {
      const a = ang + Math.PI / 2 + (Math.PI * k) / arcSteps;
      ring.push(ax + radius * Math.cos(a), ay + radius * Math.sin(a));
    }
    ring.push(ring[0], ring[1]);
    rings.push(Float64Array.from(ring));
  }
  return rings;
}
