/**
 * Mask → pixel-edge outlines: connected components (4 or 8), their bounding boxes, and each component's
 * boundary traced along pixel edges into simple rings (cut where a walk passes twice through a corner)
 * grouped into outer rings with their holes. Coordinates are pixel corners (x right, y down); the
 * georeferencing and GeoJSON are in polygons.ts.
 */

export interface Components {
  /** Component id per pixel, 1…count; 0 for background. */
  labels: Int32Array;
  count: number;
  /** Pixels per component; index 0 unused. */
  sizes: Int32Array;
}

/** Labels the connected foreground (mask ≥ 0.5 or > threshold) pixels, row-major scan order. */
export function connectedComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  connectivity: 4 | 8 = 8,
  threshold = 0.5,
): Components {
  const n = width * height;
  if (mask.length !== n) throw new Error(`connectedComponents: mask has ${mask.length} pixels, expected ${width}×${height}`);
  const labels = new Int32Array(n);
  const sizes: number[] = [0];
  const stack = new Int32Array(n);
  const nb4 = [
    [0, -1],
    [-1, 0],
    [1, 0],
    [0, 1],
  ];
  const nb8 = [...nb4, [-1, -1], [1, -1], [-1, 1], [1, 1]];
  const nb = connectivity === 8 ? nb8 : nb4;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] !== 0 || !(mask[s] >= threshold)) continue;
    count++;
    let top = 0;
    stack[top++] = s;
    labels[s] = count;
    let size = 0;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of nb) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (labels[q] === 0 && mask[q] >= threshold) {
          labels[q] = count;
          stack[top++] = q;
        }
      }
    }
    sizes.push(size);
  }
  return { labels, count, sizes: Int32Array.from(sizes) };
}

/** Inclusive pixel bounds. */
export interface BBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of every component (index = component id; index 0 unused). */
export function componentBoxes(cc: Components, width: number): BBox[] {
  const boxes: BBox[] = [];
  for (let id = 0; id <= cc.count; id++) boxes.push({ x0: Infinity, y0: Infinity, x1: -1, y1: -1 });
  for (let i = 0; i < cc.labels.length; i++) {
    const id = cc.labels[i];
    if (id === 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    const b = boxes[id];
    if (x < b.x0) b.x0 = x;
    if (x > b.x1) b.x1 = x;
    if (y < b.y0) b.y0 = y;
    if (y > b.y1) b.y1 = y;
  }
  return boxes;
}

/**
 * Outline rings of one component in pixel-corner coordinates (x right, y down). The first ring is the
 * outer boundary, clockwise on screen; the rest are holes. Collinear vertices are merged. `bbox`
 * (the component's bounds) limits the scan, which matters for scenes with many components.
 */
export function traceRings(
  labels: Int32Array,
  width: number,
  height: number,
  id: number,
  connectivity: 4 | 8 = 8,
  bbox?: BBox,
): Array<Array<[number, number]>> {
  const W1 = width + 1;
  const inside = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === id;
  // Directed boundary edges, interior on the right when walking on screen (y down).
  const out = new Map<number, number[]>(); // from-vertex → to-vertices
  const add = (x0: number, y0: number, x1: number, y1: number): void => {
    const a = y0 * W1 + x0;
    const list = out.get(a);
    if (list) list.push(y1 * W1 + x1);
    else out.set(a, [y1 * W1 + x1]);
  };
  let edges = 0;
  const b = bbox ?? { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  for (let y = b.y0; y <= b.y1; y++) {
    for (let x = b.x0; x <= b.x1; x++) {
      if (labels[y * width + x] !== id) continue;
      if (!inside(x, y - 1)) (add(x, y, x + 1, y), edges++);
      if (!inside(x + 1, y)) (add(x + 1, y, x + 1, y + 1), edges++);
      if (!inside(x, y + 1)) (add(x + 1, y + 1, x, y + 1), edges++);
      if (!inside(x - 1, y)) (add(x, y + 1, x, y), edges++);
    }
  }
  const rings: Array<Array<[number, number]>> = [];
  const xy = (v: number): [number, number] => [v % W1, Math.floor(v / W1)];
  while (edges > 0) {
    // Start at the smallest remaining vertex: for the first ring that is the outer boundary's top-left.
    let start = -1;
    for (const [k, list] of out) if (list.length > 0 && (start < 0 || k < start)) start = k;
    const ring: number[] = [start];
    let prev = start;
    let cur = takeEdge(out, start, -1, W1, connectivity);
    edges--;
    while (cur !== start) {
      ring.push(cur);
      const next = takeEdge(out, cur, prev, W1, connectivity);
      edges--;
      prev = cur;
      cur = next;
    }
    for (const loop of splitAtRepeats(ring)) rings.push(simplifyCollinear(loop.map(xy)));
  }
  // Outer first: the ring with the largest absolute area.
  rings.sort((a, b) => Math.abs(ringArea(b)) - Math.abs(ringArea(a)));
  return rings;
}

function takeEdge(out: Map<number, number[]>, from: number, prev: number, W1: number, connectivity: 4 | 8): number {
  const list = out.get(from);
  if (!list || list.length === 0) throw new Error("traceRings: open boundary (internal error)");
  let pick = 0;
  if (list.length > 1 && prev >= 0) {
    // A corner where two pixels touch diagonally: 8-connectivity turns left (joins them into one
    // ring), 4-connectivity turns right (keeps each pixel's ring separate).
    const px = prev % W1;
    const py = Math.floor(prev / W1);
    const fx = from % W1;
    const fy = Math.floor(from / W1);
    const dx = fx - px;
    const dy = fy - py;
    for (let i = 0; i < list.length; i++) {
      const tx = (list[i] % W1) - fx;
      const ty = Math.floor(list[i] / W1) - fy;
      const cross = dx * ty - dy * tx; // > 0: right turn on screen (y down)
      if ((connectivity === 8 && cross < 0) || (connectivity === 4 && cross > 0)) pick = i;
    }
  }
  const [to] = list.splice(pick, 1);
  return to;
}

/** A closed vertex walk cut into simple loops wherever it comes back to a vertex it has passed. */
export function splitAtRepeats(ring: number[]): number[][] {
  const loops: number[][] = [];
  const stack: number[] = [];
  const at = new Map<number, number>();
  for (const v of ring) {
    const i = at.get(v);
    if (i !== undefined) {
      // The walk closed a loop at v: v … (back to v). Keep v on the stack for what follows.
      const loop = stack.splice(i + 1);
      for (const u of loop) at.delete(u);
      loops.push([v, ...loop]);
    } else {
      at.set(v, stack.length);
      stack.push(v);
    }
  }
  if (stack.length) loops.push(stack);
  return loops.filter((l) => l.length >= 3);
}

/** Even–odd point-in-ring test (the point never lies on a pixel edge: callers pass pixel centres). */
function insideRing(px: number, py: number, ring: Array<[number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The rings of a component grouped into polygons: each outer ring (positive `ringArea`, clockwise on
 * screen) with the holes inside it. A hole is placed by the centre of a background pixel beside its first
 * edge (foreground lies right of every traced edge, so background lies left).
 */
export function groupRings(rings: Array<Array<[number, number]>>): Array<Array<Array<[number, number]>>> {
  const shells = rings.filter((r) => ringArea(r) > 0);
  const polys = shells.map((r) => [r]);
  for (const h of rings.filter((r) => ringArea(r) < 0)) {
    const [a, b] = [h[0], h[1]];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const [dx, dy] = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
    const px = a[0] + dx * 0.5 + dy * 0.5;
    const py = a[1] + dy * 0.5 - dx * 0.5;
    // Innermost containing shell (shells of one component do not nest, but be safe).
    let best = -1;
    shells.forEach((sh, i) => {
      if (insideRing(px, py, sh) && (best < 0 || ringArea(sh) < ringArea(shells[best]))) best = i;
    });
    if (best < 0) throw new Error("traceRings: a hole lies in no outer ring (internal error)");
    polys[best].push(h);
  }
  return polys;
}

function simplifyCollinear(pts: Array<[number, number]>): Array<[number, number]> {
  const n = pts.length;
  const keep: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const a = pts[(i - 1 + n) % n];
    const b = pts[i];
    const c = pts[(i + 1) % n];
    const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    if (cross !== 0) keep.push(b);
  }
  return keep;
}

/** Shoelace area of a closed or open ring (sign gives orientation). */
export function ringArea(ring: ArrayLike<ArrayLike<number>>): number {
  let s = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

