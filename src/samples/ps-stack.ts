/**
 * `ps-stack`: a simulated coregistered Sentinel-1 SLC stack near Foshan for the improved PS-InSAR
 * (notebook 20) with its ground truth, and the synthetic subway lines the subway step buffers.
 *
 * What is in the scene, and why:
 * - urban blocks full of point scatterers (building corners: bright, stable, DEM errors from building
 *   heights) — what classic amplitude-dispersion PS finds;
 * - vegetated/farm land where single pixels decorrelate (Rayleigh speckle, D_A ≈ 0.52) but some
 *   5-pixel range cells hold a coherent ground component (field banks, bare soil) of varying coherence:
 *   classic PS misses them, the paper's 5×1 multilook coherence finds them (paper §2); their coherence
 *   decays with the time between dates (AR(1) ground component, e-folding 24–1000 d) towards a long-term
 *   floor, as crops, grass and soil do, so a short-baseline coherence overstates the long-term phase;
 * - point scatterers along two subway lines, whose surroundings settle logistically (paper eq. 2 form,
 *   S_t = b/(1+a·e^(−c·t))) while tunnelling passes, plus two linear subsidence bowls (Fig 3 areas);
 * - per-date amplitude calibration gains (so classic PS needs calibration), perpendicular baselines,
 *   DEM errors and a spatially smooth, temporally white atmosphere.
 * Everything is drawn from one seeded generator: the same seed gives identical files.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { progress } from "../core/progress";
import { memoryStack, writeIsceStack, type StackMeta, type StackSource } from "../ps/stack";
import type { SampleDataset, SampleBuildOptions } from "./types";
import { mulberry32, normal } from "../core/random";

export interface PsStackOptions {
  seed: number;
  /** Range samples (default 400). */
  width?: number;
  /** Azimuth lines (default 200). */
  height?: number;
  /** Number of 12-day acquisitions (default 45). */
  dates?: number;
  firstDate?: string;
  /** Atmospheric phase standard deviation over the scene per date, rad (default 0.8). */
  atmosphereStd?: number;
  /** Fraction of urban pixels that are point scatterers (default 1/30). */
  urbanPsDensity?: number;
  /** Fraction of vegetated 5×1 cells holding a coherent ground component (default 0.25). */
  dsCellDensity?: number;
  /**
   * Temporal decorrelation of the distributed scatterers: each patch's coherence between dates m, n is
   * γ∞ + (γ0 − γ∞)·e^{−|t_m − t_n|/τ} (AR(1) ground component plus a persistent part), as vegetation and
   * soil lose coherence with time. The registered sample (version 6) is built with it; the function's
   * default stays false (constant coherence γ0, the version-5 scene) for callers tuned to that scene.
   */
  dsDecorrelation?: boolean;
  /** Logistic settlement along the lines: final settlement at the axis, mm (negative = down). */
  lineSettlementMm?: [number, number];
  quiet?: boolean;
}

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

export interface SimulatedPsStack {
  stack: StackSource;
  slc: Float32Array[];
  truth: PsTruth;
  lines: SubwayLine[];
}

// ---------------------------------------------------------------- geometry

/** Foshan (Chancheng/Shunde border), paper Fig 1. */
const CENTER = { lon: 113.1, lat: 23.0 };
/** Sentinel-1 IW ground pixel: 2.33 m slant range / sin(39°), 13.9 m azimuth. */
const RANGE_GROUND_M = 3.7;
const AZIMUTH_M = 13.9;
/** Ascending track heading, degrees clockwise from north. */
const HEADING_DEG = -12;
const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON = 111_320 * Math.cos((CENTER.lat * Math.PI) / 180);

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso + "T00:00:00Z") + days * 86400e3).toISOString().slice(0, 10);
}

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function distToPolyline(x: number, y: number, pts: [number, number][]): number {
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

// ---------------------------------------------------------------- simulation

export function simulatePsStack(o: PsStackOptions): SimulatedPsStack {
  const width = o.width ?? 400;
  const height = o.height ?? 200;
  const nd = o.dates ?? 45;
  const first = o.firstDate ?? "2015-06-15";
  const atmStd = o.atmosphereStd ?? 0.8;
  const urbanPs = o.urbanPsDensity ?? 1 / 30;
  const dsDensity = o.dsCellDensity ?? 0.25;
  const decorrelate = o.dsDecorrelation ?? false;
  const [b1, b2] = o.lineSettlementMm ?? [-35, -20];
  const wavelength = 0.05546576;
  const slantRange = 875_000;
  const incidenceDeg = 39;
  const rand = mulberry32(o.seed);
  const gauss = normal(rand);

  const dates = Array.from({ length: nd }, (_, k) => addDays(first, 12 * k));
  const t = Float64Array.from(dates, (_, k) => (12 * k) / 365.25);
  const span = t[nd - 1];
  const bperp = new Float64Array(nd);
  for (let k = 1; k < nd; k++) bperp[k] = Math.max(-150, Math.min(150, 45 * gauss()));
  const gain = new Float64Array(nd);
  for (let k = 0; k < nd; k++) gain[k] = 0.75 + 0.5 * rand();

  // Metric position of each pixel relative to the scene centre.
  const h = (HEADING_DEG * Math.PI) / 180;
  const along = [Math.sin(h), Math.cos(h)];
  const across = [Math.cos(h), -Math.sin(h)];
  const n = width * height;
  const east = new Float64Array(n);
  const north = new Float64Array(n);
  const lon = new Float64Array(n);
  const lat = new Float64Array(n);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const xr = (c - width / 2) * RANGE_GROUND_M;
      const ya = (r - height / 2) * AZIMUTH_M;
      east[i] = xr * across[0] + ya * along[0];
      north[i] = xr * across[1] + ya * along[1];
      lon[i] = CENTER.lon + east[i] / M_PER_DEG_LON;
      lat[i] = CENTER.lat + north[i] / M_PER_DEG_LAT;
    }
  }
  const halfE = (width / 2) * RANGE_GROUND_M;
  const halfN = (height / 2) * AZIMUTH_M;

  // Two synthetic lines: one crossing west–east with a bend, one south–north.
  const lineM: { name: string; pts: [number, number][]; b: number; mid: number }[] = [
    {
      name: "Line 2 (synthetic)",
      pts: [
        [-1.3 * halfE, -0.35 * halfN],
        [-0.2 * halfE, -0.1 * halfN],
        [0.5 * halfE, 0.2 * halfN],
        [1.3 * halfE, 0.3 * halfN],
      ],
      b: b1,
      mid: 0.55 * span,
    },
    {
      name: "Line 3 (synthetic)",
      pts: [
        [0.25 * halfE, -1.2 * halfN],
        [0.1 * halfE, 0],
        [0.3 * halfE, 1.2 * halfN],
      ],
      b: b2,
      mid: 0.35 * span,
    },
  ];
  const lines: SubwayLine[] = lineM.map((l) => ({
    name: l.name,
    coordinates: l.pts.map(([e, nn]) => [CENTER.lon + e / M_PER_DEG_LON, CENTER.lat + nn / M_PER_DEG_LAT] as [number, number]),
    settlementMm: l.b,
    midYear: l.mid,
  }));
  const settleC = 5; // 1/yr: 10–90 % of the settlement within ≈ 0.9 yr (paper Fig 10: settlement lasts years)
  const settleWidthM = 80; // settlement trough half-width ≈ 3–4 tunnel depths

  const areasM = [
    { name: "A", e: -0.55 * halfE, n: 0.45 * halfN, radiusM: 350, velocity: -22 },
    { name: "B", e: 0.6 * halfE, n: -0.55 * halfN, radiusM: 300, velocity: -30 },
    { name: "C", e: -0.5 * halfE, n: -0.6 * halfN, radiusM: 250, velocity: -12 },
  ];
  const areas = areasM.map((a) => ({
    name: a.name,
    lon: CENTER.lon + a.e / M_PER_DEG_LON,
    lat: CENTER.lat + a.n / M_PER_DEG_LAT,
    radiusM: a.radiusM,
    velocity: a.velocity,
  }));
  const velocityAt = (e: number, nn: number): number => {
    let v = 1.5 * (e / halfE); // a gentle regional tilt
    // Gaussian bowls with σ = radiusM/2: the listed radius is the visible extent (≈ 2σ).
    for (const a of areasM) v += a.velocity * Math.exp(-((e - a.e) ** 2 + (nn - a.n) ** 2) / (2 * (a.radiusM / 2) ** 2));
    return v;
  };

  // Land cover: urban east of a wavy boundary, vegetation/farmland west of it.
  const urban = new Uint8Array(n);
  for (let i = 0; i < n; i++) urban[i] = east[i] > -0.15 * halfE + 0.25 * halfE * Math.sin(north[i] / 500) ? 1 : 0;

  const pixelKind = new Uint8Array(n);
  const amp = new Float64Array(n); // coherent amplitude (PS) or ground-component power (DS)
  const gammaPx = new Float64Array(n);
  const floorPx = new Float64Array(n);
  const tauPx = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = i % width;
    const r = (i - c) / width;
    if (r === 0 || r === height - 1) continue;
    const nearLine = lineM.some((l) => distToPolyline(east[i], north[i], l.pts) < 4);
    if ((urban[i] && rand() < urbanPs) || (!urban[i] && rand() < 1 / 1500) || (nearLine && rand() < 0.15)) {
      pixelKind[i] = 1;
      amp[i] = 3 + 9 * rand();
      gammaPx[i] = 1;
    }
  }
  // Coherent distributed patches in vegetation (field banks, bare soil, fish-pond dykes): 1–4 multilook
  // cells in range × 2–6 lines in azimuth, aligned with the 5×1 grid, one coherence per patch.
  const mlW = Math.floor(width / 5);
  const vegCells = Math.round(((height - 2) * mlW * (1 - urban.reduce((a, b) => a + b, 0) / n)));
  const patches = Math.round((dsDensity * vegCells) / 10);
  for (let q = 0; q < patches; q++) {
    const pw = 1 + Math.floor(4 * rand());
    const ph = 2 + Math.floor(5 * rand());
    const cc0 = Math.floor(rand() * (mlW - pw + 1));
    const r0 = 1 + Math.floor(rand() * (height - 2 - ph + 1));
    const g = 0.25 + 0.65 * rand();
    // Decay times from weeks (crops, grass) to years (bare soil, dykes), log-uniform 24–1000 d; the
    // persistent share up to 60 % of γ0. Drawn for every patch so both variants share the geometry.
    const tau = 24 * Math.exp(Math.log(1000 / 24) * rand());
    const floorShare = 0.6 * rand();
    for (let r = r0; r < r0 + ph; r++) {
      for (let cc = cc0; cc < cc0 + pw; cc++) {
        const i0 = r * width + cc * 5;
        let free = true;
        for (let p = 0; p < 5; p++) free &&= pixelKind[i0 + p] === 0 && !urban[i0 + p];
        if (!free) continue;
        for (let p = 0; p < 5; p++) {
          pixelKind[i0 + p] = 2;
          gammaPx[i0 + p] = g;
          floorPx[i0 + p] = decorrelate ? floorShare * g : g;
          tauPx[i0 + p] = decorrelate ? tau : Infinity;
        }
      }
    }
  }

  // Scatterer list: every PS pixel, every DS cell at its first pixel.
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pixelKind[i] === 1) idx.push(i);
    else if (pixelKind[i] === 2 && (i % width) % 5 === 0) idx.push(i);
  }
  const ns = idx.length;
  const sc = {
    row: new Int32Array(ns),
    col: new Int32Array(ns),
    kind: [] as ScattererKind[],
    gamma: new Float64Array(ns),
    gammaFloor: new Float64Array(ns),
    decorrelationDays: new Float64Array(ns),
    lon: new Float64Array(ns),
    lat: new Float64Array(ns),
    velocity: new Float64Array(ns),
    demError: new Float64Array(ns),
    lineSettlement: new Float64Array(ns),
    displacement: [] as Float64Array[],
  };
  const tMean = t.reduce((a, b) => a + b, 0) / nd;
  let stt = 0;
  for (let k = 0; k < nd; k++) stt += (t[k] - tMean) ** 2;
  // Per-pixel deformation phase and DEM error for coherent pixels (DS cells share their first pixel's).
  const defPhase = new Map<number, { disp: Float64Array; z: number }>();
  idx.forEach((i, s) => {
    const c = i % width;
    const r = (i - c) / width;
    const isPs = pixelKind[i] === 1;
    const ce = isPs ? east[i] : east[i + 2];
    const cn = isPs ? north[i] : north[i + 2];
    const v = velocityAt(ce, cn);
    const disp = new Float64Array(nd);
    let settle = 0;
    for (const l of lineM) {
      const d = distToPolyline(ce, cn, l.pts);
      const b = l.b * Math.exp(-((d / settleWidthM) ** 2));
      if (Math.abs(b) < 0.05) continue;
      const s0 = logisticSettlement(b, settleC, l.mid, 0);
      for (let k = 0; k < nd; k++) disp[k] += logisticSettlement(b, settleC, l.mid, t[k]) - s0;
      settle += logisticSettlement(b, settleC, l.mid, t[nd - 1]) - s0;
    }
    for (let k = 0; k < nd; k++) disp[k] += v * t[k];
    let sxy = 0;
    for (let k = 0; k < nd; k++) sxy += (t[k] - tMean) * disp[k];
    const z = isPs ? (urban[i] ? -5 + 40 * rand() : 3 * gauss()) : 2 * gauss();
    sc.row[s] = r;
    sc.col[s] = c;
    sc.kind.push(isPs ? "ps" : "ds");
    sc.gamma[s] = gammaPx[i];
    sc.gammaFloor[s] = isPs ? 1 : floorPx[i];
    sc.decorrelationDays[s] = isPs ? Infinity : tauPx[i];
    sc.lon[s] = lon[i];
    sc.lat[s] = lat[i];
    sc.velocity[s] = sxy / stt;
    sc.demError[s] = z;
    sc.lineSettlement[s] = Math.abs(settle);
    sc.displacement.push(disp);
    defPhase.set(i, { disp, z });
  });
  void span;

  // Atmosphere: per date a ramp plus three long-wavelength waves, scaled to atmStd over the scene.
  const atm = Array.from({ length: nd }, (_, k) => {
    if (k === 0) return { ax: 0, ay: 0, waves: [] as { kx: number; ky: number; a: number; p: number }[] };
    const waves = Array.from({ length: 3 }, () => {
      const lam = 2500 + 6000 * rand();
      const dir = 2 * Math.PI * rand();
      return { kx: ((2 * Math.PI) / lam) * Math.cos(dir), ky: ((2 * Math.PI) / lam) * Math.sin(dir), a: (atmStd * gauss()) / Math.sqrt(3), p: 2 * Math.PI * rand() };
    });
    return { ax: (atmStd * gauss()) / halfE / 2, ay: (atmStd * gauss()) / halfN / 2, waves };
  });
  const atmAt = (k: number, e: number, nn: number): number => {
    const a = atm[k];
    let v = a.ax * e + a.ay * nn;
    for (const w of a.waves) v += w.a * Math.sin(w.kx * e + w.ky * nn + w.p);
    return v;
  };

  const fourPiOverLambda = (4 * Math.PI) / wavelength;
  const sinTheta = Math.sin((incidenceDeg * Math.PI) / 180);
  // DS pixel = 1.5·(√γ∞·P + √(γ0 − γ∞)·c_k + √(1 − γ0)·n_k): P a fixed complex reflectivity, c_k an
  // AR(1) complex process (correlation e^{−Δt/τ}), n_k white; so E[s_m s_n*]/power is dsCoherence(...).
  const gRe = new Float64Array(n);
  const gIm = new Float64Array(n);
  const arRe = new Float64Array(n);
  const arIm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (pixelKind[i] === 2) {
      const s = Math.sqrt(floorPx[i] / 2) * 1.5;
      gRe[i] = s * gauss();
      gIm[i] = s * gauss();
      arRe[i] = gauss() / Math.SQRT2;
      arIm[i] = gauss() / Math.SQRT2;
    }
  }
  const slc: Float32Array[] = [];
  const bar = progress("ps-stack: simulating SLCs", nd, { unit: "dates", quiet: o.quiet });
  for (let k = 0; k < nd; k++) {
    const s = new Float32Array(n * 2);
    const gk = gain[k];
    const demCoef = (fourPiOverLambda * bperp[k]) / (slantRange * sinTheta);
    for (let i = 0; i < n; i++) {
      const kind = pixelKind[i];
      let re: number;
      let im: number;
      if (kind === 0) {
        const sig = urban[i] ? 1.2 : 1;
        re = (sig * gauss()) / Math.SQRT2;
        im = (sig * gauss()) / Math.SQRT2;
      } else {
        const head = kind === 1 ? i : i - ((i % width) % 5);
        const dp = defPhase.get(head)!;
        const ph = fourPiOverLambda * dp.disp[k] * 1e-3 + demCoef * dp.z + atmAt(k, east[i], north[i]);
        const cph = Math.cos(ph);
        const sph = Math.sin(ph);
        if (kind === 1) {
          re = amp[i] * cph + gauss() / Math.SQRT2;
          im = amp[i] * sph + gauss() / Math.SQRT2;
        } else {
          if (k > 0 && Number.isFinite(tauPx[i])) {
            const rho = Math.exp(-(t[k] - t[k - 1]) * 365.25 / tauPx[i]);
            const q = Math.sqrt((1 - rho * rho) / 2);
            arRe[i] = rho * arRe[i] + q * gauss();
            arIm[i] = rho * arIm[i] + q * gauss();
          }
          const sd = Math.sqrt(Math.max(0, gammaPx[i] - floorPx[i])) * 1.5;
          const gr = gRe[i] + sd * arRe[i];
          const gi = gIm[i] + sd * arIm[i];
          const cn = Math.sqrt((1 - gammaPx[i]) / 2) * 1.5;
          re = gr * cph - gi * sph + cn * gauss();
          im = gr * sph + gi * cph + cn * gauss();
        }
      }
      s[2 * i] = gk * re;
      s[2 * i + 1] = gk * im;
    }
    slc.push(s);
    bar.tick();
  }
  bar.done();

  const meta: StackMeta = { source: "memory", dates, width, height, bperp, wavelength, slantRange, incidenceDeg, lon, lat };
  return {
    stack: memoryStack(meta, slc),
    slc,
    truth: { dates, width, height, scatterers: sc, pixelKind, gain, areas },
    lines,
  };
}

// ---------------------------------------------------------------- files

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

/** Stack dimensions for a `size` factor: area grows with size, dates up to the paper's 85. */
export function psStackDims(size: number): { width: number; height: number; dates: number } {
  const f = Math.sqrt(Math.max(0.05, size));
  return {
    width: Math.max(50, 5 * Math.round((400 * f) / 5)),
    height: Math.max(30, Math.round(200 * f)),
    dates: Math.max(20, Math.min(85, Math.round(45 * f))),
  };
}

export const psStack: SampleDataset = {
  id: "ps-stack",
  version: "6",
  description:
    "Simulated Sentinel-1 SLC stack near Foshan (ISCE2 merged layout, complex64 + .vrt/.xml), 12-day sampling, " +
    "urban point scatterers, vegetated cells only 5×1 multilooking recovers (their coherence decays with " +
    "time towards a floor, AR(1)), logistic settlement along two " +
    "synthetic subway lines (lines.geojson), truth.json with per-scatterer velocity, DEM error and displacement.",
  async build(outDir: string, opts: SampleBuildOptions): Promise<void> {
    const sim = simulatePsStack({ seed: opts.seed, ...psStackDims(opts.size), dsDecorrelation: true, quiet: opts.quiet });
    writeIsceStack(outDir, sim.stack.meta, sim.slc, { sensor: "Sentinel-1 (simulated)" });
    writeFileAtomic(join(outDir, "lines.geojson"), linesGeoJson(sim.lines));
    writeFileAtomic(join(outDir, "truth.json"), truthJson(sim.truth));
  },
};

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
