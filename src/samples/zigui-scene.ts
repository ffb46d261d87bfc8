/**
 * Sample dataset `zigui-scene`: a Zigui-like study-area scene for whole-scene inference, Fig 5–7 and
 * Table 3. A 61.44 × 30.72 km UTM 49N (EPSG:32649) grid inside the county's bbox whose east edge lies
 * just past the Three Gorges Dam, so landslides fall at 0–60 km from it like Table 3's.
 *
 * Files:
 * - `scene.tif`: 14 float32 bands in Landslide4Sense order (S2 B1–B12 as reflectance × 10, slope °,
 *   DEM m), band names set, the same spectral model as the `l4s` sample (src/samples/l4s.ts);
 * - `truth_mask.tif`: uint8, 1 = landslide;
 * - `landslides_truth.geojson`: the planted landslides as WGS-84 polygons (traced from the truth mask
 *   with src/landslide/polygons) with area, centroid, distance to the dam and factor means;
 * - `inventory.geojson`: a simulated survey inventory of 12 landslides named as in Fig 6 (crown point
 *   and outline; positions are simulated, not the real ones);
 * - `rivers.geojson`: the simulated Yangtze and tributary centrelines, WGS-84;
 * - `truth.json`: dam, grid, counts per Table 3 bin, total area.
 *
 * Terrain: a reservoir valley (175 m water level) rising to ridges of 1–2 km, higher to the
 * south-west (§1.1: "high in the south-west, low in the north-east"), carved by the Yangtze running
 * west→east to the dam and three tributaries. Landslides are planted on hillslopes within 2.5 km of a
 * river, 60 % on the right (south) bank of the Yangtze (§3.2), at target distances from the dam drawn
 * per Table 3 bin in the paper's proportions; bare fields and towns on gentle ground are look-alikes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeRaster } from "../io/raster";
import { mulberry32 } from "../core/random";
import { progress } from "../core/progress";
import { polygonize, fromWgs84, toWgs84, writeGeoJson } from "../landslide/polygons";
import { distanceKm } from "../landslide/binning";
import { factorPlanes, L4S_BAND_NAMES } from "../landslide/features";
import { ZIGUI_LANDSLIDES, ZIGUI_PAPER_VALUES } from "../studies/zigui/landslides";
import {
  downslope,
  emptyCover,
  rasteriseBody,
  rasteriseField,
  renderBands,
  setCover,
  slopeDegrees,
  valueNoise,
  type PlantedBody,
} from "./l4s";
import type { SampleBuildOptions, SampleDataset } from "./types";

/** Scene extent in metres (fixed; `size` changes the pixel size, 30 m at size 1). */
export const SCENE_EXTENT_M = { width: 61440, height: 30720 };
/** Metres of the scene east of the dam and north of it. */
const EAST_OF_DAM_M = 1440;
const NORTH_OF_DAM_M = 18000;
/** Landslides planted at size 1 (Table 3's 287 scaled down, in its proportions). */
export const SCENE_LANDSLIDES = 72;

export interface SceneGrid {
  width: number;
  height: number;
  pixelM: number;
  originX: number;
  originY: number;
  /** Dam in pixel coordinates (fractional column, row). */
  damCol: number;
  damRow: number;
}

export function sceneGrid(size = 1): SceneGrid {
  const pixelM = 30 / size;
  const dam = ZIGUI_LANDSLIDES.dam;
  const [dx, dy] = fromWgs84(32649)(dam.lon, dam.lat);
  // Whole metres keep the transform exact in the GeoTIFF.
  const originX = Math.round(dx + EAST_OF_DAM_M - SCENE_EXTENT_M.width);
  const originY = Math.round(dy + NORTH_OF_DAM_M);
  const width = Math.round(SCENE_EXTENT_M.width / pixelM);
  const height = Math.round(SCENE_EXTENT_M.height / pixelM);
  return { width, height, pixelM, originX, originY, damCol: (dx - originX) / pixelM, damRow: (originY - dy) / pixelM };
}

/** Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher) of `seed` pixels, in px². */
export function distanceTransform(seed: Uint8Array, width: number, height: number): Float32Array {
  const INF = 1e20;
  const f = new Float64Array(Math.max(width, height));
  const d = new Float64Array(Math.max(width, height));
  const v = new Int32Array(Math.max(width, height));
  const z = new Float64Array(Math.max(width, height) + 1);
  const out = new Float32Array(width * height);
  const tmp = new Float64Array(width * height);
  const pass = (n: number): void => {
    let k = 0;
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    for (let q = 1; q < n; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
    }
    k = 0;
    for (let q = 0; q < n; q++) {
      while (z[k + 1] < q) k++;
      d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
    }
  };
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = seed[y * width + x] ? 0 : INF;
    pass(height);
    for (let y = 0; y < height; y++) tmp[y * width + x] = d[y];
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = tmp[y * width + x];
    pass(width);
    for (let x = 0; x < width; x++) out[y * width + x] = d[x];
  }
  return out;
}

/** Whether pixel indices form one 8-connected region (a wavy outline can pinch a body in two). */
function isConnected(px: number[], width: number): boolean {
  const set = new Set(px);
  const seen = new Set<number>([px[0]]);
  const stack = [px[0]];
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % width;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= width) continue;
        const q = p + dy * width + dx;
        if (set.has(q) && !seen.has(q)) {
          seen.add(q);
          stack.push(q);
        }
      }
    }
  }
  return seen.size === set.size;
}

/** Draws a polyline (pixel coordinates) into a seed mask. */
function drawLine(seed: Uint8Array, width: number, height: number, pts: Array<[number, number]>): void {
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1];
    const [x1, y1] = pts[i];
    const n = Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2) + 1;
    for (let k = 0; k <= n; k++) {
      const x = Math.round(x0 + ((x1 - x0) * k) / n);
      const y = Math.round(y0 + ((y1 - y0) * k) / n);
      if (x >= 0 && y >= 0 && x < width && y < height) seed[y * width + x] = 1;
    }
  }
}

export interface SceneRivers {
  yangtze: Array<[number, number]>;
  tributaries: Array<Array<[number, number]>>;
}

/** Simulated river centrelines in pixel coordinates. */
export function sceneRivers(g: SceneGrid, rng: () => number): SceneRivers {
  const yangtze: Array<[number, number]> = [];
  const phase = rng() * 2 * Math.PI;
  const m = g.pixelM;
  for (let x = 0; x <= g.damCol + 0.5; x += 200 / m) {
    const e = (x - g.damCol) * m; // easting offset from the dam, m (≤ 0)
    // Rises ≈ 9 km to the north-west over 60 km, with meanders that vanish at the dam.
    const n = 9000 * (-e / 60000) + 2200 * Math.sin((2 * Math.PI * e) / 17000 + phase) * (1 - Math.exp(e / 4000));
    yangtze.push([x, g.damRow - n / m]);
  }
  yangtze.push([g.width - 1, g.damRow]);
  const riverRowAt = (col: number): number => {
    const i = Math.min(yangtze.length - 1, Math.max(0, Math.round(col / (200 / m))));
    return yangtze[i][1];
  };
  const tributaries: Array<Array<[number, number]>> = [];
  // Three tributaries (like the Xiangxi, Jiuwanxi and Maoping rivers): two from the north, one south.
  const specs = [
    { col: 0.3 * g.width, dir: -1, len: 12000 },
    { col: 0.55 * g.width, dir: 1, len: 9000 },
    { col: 0.8 * g.width, dir: 1, len: 8000 },
  ];
  for (const s of specs) {
    const pts: Array<[number, number]> = [];
    const row0 = riverRowAt(s.col);
    const wob = rng() * 2 * Math.PI;
    for (let t = 0; t <= s.len; t += 200) {
      pts.push([s.col + (900 * Math.sin((2 * Math.PI * t) / 6000 + wob)) / m, row0 + (s.dir * t) / m]);
    }
    tributaries.push(pts);
  }
  return { yangtze, tributaries };
}

export interface SceneBuildResult {
  grid: SceneGrid;
  landslides: number;
  areaKm2: number;
  table3: number[];
}

/** Builds the scene into `outDir`. */
export async function buildZiguiScene(outDir: string, opts: SampleBuildOptions): Promise<SceneBuildResult> {
  const g = sceneGrid(opts.size);
  const { width: W, height: H, pixelM: m } = g;
  const n = W * H;
  const rng = mulberry32(opts.seed);
  const bar = progress("zigui-scene", 6, { unit: "steps", quiet: opts.quiet });
  mkdirSync(outDir, { recursive: true });

  // Rivers and distance to them.
  const rivers = sceneRivers(g, rng);
  const yangtzeSeed = new Uint8Array(n);
  drawLine(yangtzeSeed, W, H, rivers.yangtze);
  const allSeed = Uint8Array.from(yangtzeSeed);
  for (const t of rivers.tributaries) drawLine(allSeed, W, H, t);
  const dYangtze = distanceTransform(yangtzeSeed, W, H);
  const dRiver = distanceTransform(allSeed, W, H);
  for (let i = 0; i < n; i++) {
    dYangtze[i] = Math.sqrt(dYangtze[i]) * m;
    dRiver[i] = Math.sqrt(dRiver[i]) * m;
  }
  bar.tick();

  // Terrain.
  const relief = valueNoise(W, H, Math.max(4, 6000 / m), rng, 3);
  const rough = valueNoise(W, H, Math.max(4, 1500 / m), rng, 4);
  const dem = new Float32Array(n);
  const water = new Uint8Array(n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const sw = (1 - x / W + y / H) / 2; // 0 in the north-east, 1 in the south-west
      const ridge = 800 + 500 * sw + 250 * relief[i];
      const d = dRiver[i];
      const side = 1 - Math.exp(-d / 1300);
      dem[i] = 175 + ridge * side + 180 * rough[i] * side;
      if (dYangtze[i] < 450 || d < 45) {
        water[i] = 1;
        dem[i] = 175;
      }
    }
  }
  const slope = slopeDegrees(dem, W, H, m);
  bar.tick();

  // Cover: vegetation with some bare ground, towns and fields on gentle slopes near the river.
  const cover = emptyCover(n);
  const vegNoise = valueNoise(W, H, Math.max(4, 2000 / m), rng, 3);
  for (let i = 0; i < n; i++) {
    if (water[i]) {
      setCover(cover, i, 0, 0, 1);
      continue;
    }
    const thin = Math.max(0, 0.12 + 0.15 * vegNoise[i]);
    setCover(cover, i, thin * 0.4, thin * 0.6, 0);
  }
  const nLook = Math.round(60 * opts.size * opts.size) + 20;
  for (let k = 0, tries = 0; k < nLook && tries < nLook * 50; tries++) {
    const cx = rng() * W;
    const cy = rng() * H;
    const i = Math.floor(cy) * W + Math.floor(cx);
    if (water[i] || slope[i] > 10 || dRiver[i] > 4000) continue;
    const px = rasteriseField(cx, cy, (60 + rng() * 250) / m, (40 + rng() * 150) / m, rng() * Math.PI, W, H);
    const soil = 0.7 + 0.25 * rng();
    for (const p of px) if (!water[p]) setCover(cover, p, 0, soil, 0);
    k++;
  }
  bar.tick();

  // Landslides at target distances per Table 3 bin, in the paper's proportions.
  const edges = ZIGUI_LANDSLIDES.dam.binEdgesKm;
  const paper = ZIGUI_PAPER_VALUES.table3Counts;
  const total = SCENE_LANDSLIDES;
  const perBin = paper.map((c) => Math.round((c / ZIGUI_PAPER_VALUES.table3Total) * total));
  // Candidate pixels by km of (planar) distance from the dam.
  const buckets: number[][] = Array.from({ length: edges[edges.length - 1] + 1 }, () => []);
  const step = Math.max(1, Math.round(60 / m));
  const riverRow = (col: number): number => {
    const pts = rivers.yangtze;
    const i = Math.min(pts.length - 1, Math.max(0, Math.round(col / (200 / m))));
    return pts[i][1];
  };
  for (let y = 4; y < H - 4; y += step) {
    for (let x = 4; x < W - 4; x += step) {
      const i = y * W + x;
      if (water[i] || slope[i] < 18 || slope[i] > 50 || dRiver[i] < 150 || dRiver[i] > 2500) continue;
      // Most slides sit low on the valley sides, near the reservoir (§3.2: along the Yangtze and tributaries).
      if (rng() > Math.exp(-(dRiver[i] - 150) / 900)) continue;
      const dk = (Math.hypot(x - g.damCol, y - g.damRow) * m) / 1000;
      const b = Math.floor(dk);
      if (b < buckets.length) buckets[b].push(i);
    }
  }
  const mask = new Uint8Array(n);
  const taken = new Uint8Array(n);
  const planted: Array<{ body: PlantedBody; targetKm: number }> = [];
  perBin.forEach((count, bi) => {
    for (let k = 0; k < count; k++) {
      for (let t = 0; t < 200; t++) {
        const targetKm = edges[bi] + 0.3 + rng() * (edges[bi + 1] - edges[bi] - 0.6);
        const bucket = buckets[Math.floor(targetKm)];
        if (!bucket || bucket.length === 0) continue;
        const i = bucket[Math.floor(rng() * bucket.length)];
        const x = i % W;
        const y = (i - x) / W;
        const southBank = y > riverRow(x);
        if (southBank !== rng() < 0.6 && t < 100) continue; // right (south) bank 60 %
        // Area ≈ 0.005–0.06 km² (the paper's mean is 5.97 km² / 287 ≈ 0.021 km²).
        const a = (70 + rng() * 130) / m;
        const b = a * (0.35 + 0.35 * rng());
        const body: PlantedBody = { cx: x + 0.5, cy: y + 0.5, a, b, dir: downslope(dem, W, H, x, y), soil: 0.7 + 0.3 * rng() };
        const px = rasteriseBody(body, W, H, rng);
        // Keep bodies apart (one polygon each) and off the water.
        const margin = Math.ceil(120 / m);
        let clash = false;
        for (const p of px) {
          if (water[p] || taken[p]) {
            clash = true;
            break;
          }
        }
        if (clash || px.length < 4 || !isConnected(px, W)) continue;
        for (const p of px) {
          setCover(cover, p, body.soil * (0.85 + 0.15 * rng()), 0, 0);
          mask[p] = 1;
        }
        const r = Math.ceil(Math.max(a, b) * 1.5) + margin;
        for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) {
          for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) taken[yy * W + xx] = 1;
        }
        planted.push({ body, targetKm });
        break;
      }
    }
  });
  bar.tick();

  const bands = renderBands(cover, dem, slope, W, H, m, rng);
  const transform = { originX: g.originX, originY: g.originY, pixelWidth: m, pixelHeight: -m };
  writeRaster(join(outDir, "scene.tif"), {
    width: W,
    height: H,
    bands,
    transform,
    epsg: 32649,
    bandNames: [...L4S_BAND_NAMES],
    metadata: {
      DESCRIPTION: "Simulated Zigui scene: Sentinel-2 B1-B12 (reflectance x10), slope (deg), DEM (m), L4S band order",
      SEED: String(opts.seed),
    },
  });
  writeRaster(join(outDir, "truth_mask.tif"), { width: W, height: H, bands: [mask], transform, epsg: 32649, bandNames: ["landslide"] });
  bar.tick();

  // Truth polygons with their factor values, distances and bins.
  const factors = factorPlanes({ width: W, height: H, bands });
  const fc = polygonize(mask, W, H, { transform, epsg: 32649, minAreaM2: 0, factors });
  const dam = ZIGUI_LANDSLIDES.dam;
  const table3 = new Array<number>(edges.length - 1).fill(0);
  for (const f of fc.features) {
    const d = distanceKm(f.properties.centroid_lon, f.properties.centroid_lat, dam.lon, dam.lat);
    f.properties.distance_km = d;
    const bi = edges.findIndex((e, k) => k < edges.length - 1 && d >= e && d < edges[k + 1]);
    f.properties.bin = bi;
    if (bi >= 0) table3[bi]++;
  }
  writeGeoJson(join(outDir, "landslides_truth.geojson"), fc);

  // A survey inventory: 12 named landslides spread along the river (simulated positions).
  const names = ZIGUI_PAPER_VALUES.fig6Landslides;
  const byDist = [...fc.features].sort((a, b) => b.properties.distance_km - a.properties.distance_km);
  const pickEvery = byDist.length / names.length;
  const toGeo = toWgs84(32649);
  const inventory = names.flatMap((name, k) => {
    const f = byDist[Math.min(byDist.length - 1, Math.floor(k * pickEvery))];
    if (!f) return [];
    // The planted body of this polygon: the one whose centre is nearest its centroid.
    let p: (typeof planted)[number] | undefined;
    let best = Infinity;
    for (const q of planted) {
      const [lon, lat] = toGeo(g.originX + q.body.cx * m, g.originY - q.body.cy * m);
      const d = Math.hypot(lon - f.properties.centroid_lon, lat - f.properties.centroid_lat);
      if (d < best) {
        best = d;
        p = q;
      }
    }
    // Surveyed point near the crown (upslope end), as field surveys mark the scarp.
    const [cx, cy] = p
      ? [p.body.cx - p.body.dir[0] * p.body.a * 0.6, p.body.cy - p.body.dir[1] * p.body.a * 0.6]
      : [0, 0];
    const crown = p ? toGeo(g.originX + cx * m, g.originY - cy * m) : [f.properties.centroid_lon, f.properties.centroid_lat];
    return [
      { type: "Feature" as const, properties: { name, kind: "surveyed point", truth_id: f.properties.id }, geometry: { type: "Point" as const, coordinates: crown } },
      { type: "Feature" as const, properties: { name, kind: "surveyed outline", truth_id: f.properties.id }, geometry: f.geometry },
    ];
  });
  writeGeoJson(join(outDir, "inventory.geojson"), { type: "FeatureCollection", features: inventory });
  const line = (pts: Array<[number, number]>): number[][] => pts.map(([x, y]) => toGeo(g.originX + x * m, g.originY - y * m));
  writeGeoJson(join(outDir, "rivers.geojson"), {
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: { name: "Yangtze (simulated)" }, geometry: { type: "LineString", coordinates: line(rivers.yangtze) } },
      ...rivers.tributaries.map((t, k) => ({
        type: "Feature" as const,
        properties: { name: `tributary ${k + 1} (simulated)` },
        geometry: { type: "LineString" as const, coordinates: line(t) },
      })),
    ],
  });
  const areaKm2 = fc.features.reduce((s, f) => s + f.properties.area_km2, 0);
  const truth = {
    dataset: "zigui-scene",
    seed: opts.seed,
    size: opts.size,
    epsg: 32649,
    grid: { width: W, height: H, pixelSizeM: m, originX: g.originX, originY: g.originY },
    dam: { lon: dam.lon, lat: dam.lat, col: g.damCol, row: g.damRow },
    bands: [...L4S_BAND_NAMES],
    landslides: fc.features.length,
    areaKm2,
    table3: { binEdgesKm: edges, counts: table3 },
    plantedTargetsKm: planted.map((p) => Math.round(p.targetKm * 1000) / 1000),
  };
  writeFileSync(join(outDir, "truth.json"), JSON.stringify(truth, null, 1) + "\n");
  bar.done();
  return { grid: g, landslides: fc.features.length, areaKm2, table3 };
}

export const ziguiSceneSample: SampleDataset = {
  id: "zigui-scene",
  version: "4",
  description:
    "Zigui-like 61×31 km scene (EPSG:32649, 30 m): S2 B1–B12 + slope + DEM GeoTIFF, truth mask, " +
    "landslide polygons at known distances from the Three Gorges Dam, a named survey inventory, rivers.",
  async build(outDir, opts) {
    await buildZiguiScene(outDir, opts);
  },
};
