/**
 * Simulated Sentinel-1 SBAS stack over a Zigui-like valley, written as ASF HyP3 INSAR_GAMMA products
 * so the HyP3 reader runs on it exactly as on real downloads. 43 acquisitions 2023-02-09 … 2025-01-05
 * (the paper's span, 12/24-day revisits), each paired with its three nearest successors (~120 pairs).
 *
 * Ground truth (LOS displacement, m, positive toward the satellite as MintPy): a southern subsidence
 * zone (−5 … −15 cm/yr), subsiding river banks, three slow landslides (Zhangjiawan, Tanjiahe,
 * Baishuihe) that slide Mar–Aug, fastest Apr–May and rest Sep–Feb, stable ground elsewhere. Errors:
 * per-acquisition turbulent (spatially correlated) and stratified (∝ height) troposphere, orbital
 * ramps, DEM errors coupled through perpendicular baselines, coherence-driven decorrelation noise,
 * water (no data in every pair) and random no-data holes. Truth lies under `truth/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeRaster, type GeoTransform } from "../io/raster";
import { progress } from "../core/progress";
import type { SampleBuildOptions, SampleDataset } from "./types";
import { daysBetween, decimalYear } from "../core/dates";
import { jsToDate, dateToJs } from "../sbas/dates";
import { slantRangeFromIncidence } from "../sbas/assemble";
import { SENTINEL1_FREQUENCY } from "../sbas/hyp3";
import { SPEED_OF_LIGHT } from "../sbas/gamma";
import { mulberry32, normal } from "../core/random";

export const SBAS_SAMPLE_VERSION = "2";

/** Simulator settings; `size` scales both image dimensions. */
export const SBAS_SAMPLE = {
  width: 100,
  height: 120,
  /** UTM 49N, 80 m posting like HyP3 INT80 products. */
  epsg: 32649,
  origin: [446_000, 3_436_000] as [number, number],
  pixel: 80,
  firstDate: "20230209",
  /** 26 twelve-day and 16 twenty-four-day revisits: 696 days to 2025-01-05 (paper §2.2). */
  revisits: { short: 12, long: 24, nShort: 26, nLong: 16 },
  neighbours: 3,
  rangeLooks: 20,
  azimuthLooks: 4,
  satHeight: 693_000,
  earthRadius: 6_371_000,
  /** Incidence angle at near and far columns (deg). */
  incidence: [37.5, 38.4] as [number, number],
  /** Per-date perpendicular baseline std (m) and linear drift over the span (m). */
  bperpStd: 60,
  bperpDrift: 150,
  /** Turbulent troposphere std (m) and correlation radius (pixels). */
  turbulenceStd: 0.003,
  turbulenceRadius: 10,
  /** Stratified troposphere: per-date coefficient std (m of delay per m of height). */
  stratifiedStd: 1.2e-5,
  /** Orbital ramp: std of the delay difference across the scene (m). */
  rampStd: 0.015,
  /** DEM error std (m). */
  demErrorStd: 30,
  /** Temporal decorrelation time constant (days). */
  decorrelationDays: 200,
  /** Random no-data holes per pair and their radius (pixels). */
  holesPerPair: 1,
  holeRadius: 4,
};

export interface SampleLandslide {
  name: string;
  /** Centre (col, row) as fractions of the image, and semi-axes (pixels at size 1). */
  cx: number;
  cy: number;
  ax: number;
  ay: number;
  /** Total LOS displacement per year (m, negative = away from the satellite). */
  annual: number;
}

/**
 * Three landslides whose outline-mean motion (the bell-shaped profile averages 2/3 of the centre's)
 * gives about the paper's fitted slopes (−0.88, −1.14, −0.37 mm/acquisition).
 */
export const SAMPLE_LANDSLIDES: SampleLandslide[] = [
  { name: "Zhangjiawan", cx: 0.25, cy: 0.28, ax: 7, ay: 5, annual: -0.0288 },
  { name: "Tanjiahe", cx: 0.7, cy: 0.22, ax: 6, ay: 7, annual: -0.0373 },
  { name: "Baishuihe", cx: 0.5, cy: 0.74, ax: 8, ay: 5, annual: -0.0122 },
];

/** Relative sliding rate by calendar month: Mar–Aug sliding, Apr–May strongest, Sep–Feb at rest. */
export const MONTHLY_SLIDING = [0, 0, 1, 3, 3, 1, 1, 1, 0, 0, 0, 0];

function boxBlur(a: Float64Array, w: number, h: number, r: number): Float64Array {
  const tmp = new Float64Array(a.length);
  const out = new Float64Array(a.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let k = -r; k <= r; k++) {
        const xx = Math.min(w - 1, Math.max(0, x + k));
        s += a[y * w + xx];
        n++;
      }
      tmp[y * w + x] = s / n;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let k = -r; k <= r; k++) {
        const yy = Math.min(h - 1, Math.max(0, y + k));
        s += tmp[yy * w + x];
        n++;
      }
      out[y * w + x] = s / n;
    }
  return out;
}

/** Spatially correlated unit-variance random field (three box blurs ≈ Gaussian kernel). */
export function correlatedField(w: number, h: number, radius: number, g: () => number): Float64Array {
  let f = Float64Array.from({ length: w * h }, () => g());
  for (let i = 0; i < 3; i++) f = boxBlur(f, w, h, radius);
  let m = 0;
  for (const v of f) m += v;
  m /= f.length;
  let s = 0;
  for (const v of f) s += (v - m) ** 2;
  const sd = Math.sqrt(s / f.length) || 1;
  return f.map((v) => (v - m) / sd);
}

export function sampleDates(): string[] {
  const { short, long, nShort, nLong } = SBAS_SAMPLE.revisits;
  const rand = mulberry32(7);
  const steps = [...Array(nShort).fill(short), ...Array(nLong).fill(long)] as number[];
  for (let i = steps.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [steps[i], steps[j]] = [steps[j], steps[i]];
  }
  const out = [SBAS_SAMPLE.firstDate];
  let d = dateToJs(SBAS_SAMPLE.firstDate);
  for (const s of steps) {
    d = new Date(d.getTime() + s * 86_400_000);
    out.push(jsToDate(d));
  }
  return out;
}

/** Cumulative sliding fraction of a landslide year at each date (1 per full year). */
export function slidingHistory(dates: string[]): Float64Array {
  const total = MONTHLY_SLIDING.reduce((a, b) => a + b, 0);
  const out = new Float64Array(dates.length);
  let cum = 0;
  let day = dateToJs(dates[0]);
  for (let i = 1; i < dates.length; i++) {
    const end = dateToJs(dates[i]);
    while (day < end) {
      const m = day.getUTCMonth();
      const dim = new Date(Date.UTC(day.getUTCFullYear(), m + 1, 0)).getUTCDate();
      cum += MONTHLY_SLIDING[m] / total / dim;
      day = new Date(day.getTime() + 86_400_000);
    }
    out[i] = cum;
  }
  return out;
}

function hyp3Name(d1: string, d2: string, k: number): string {
  return `S1AA_${d1}T103035_${d2}T103035_VVP${String(daysBetween(d1, d2)).padStart(3, "0")}_INT80_G_ueF_${(0x1a00 + k).toString(16).toUpperCase()}`;
}

export interface SbasSampleTruth {
  dates: string[];
  pairs: [string, string][];
  bperpDates: number[];
  landslides: { name: string; row: number; col: number; polygon: [number, number][] }[];
  wavelength: number;
  width: number;
  height: number;
}

export async function buildSbasStack(outDir: string, opts: SampleBuildOptions): Promise<void> {
  const S = SBAS_SAMPLE;
  const W = Math.round(S.width * Math.sqrt(opts.size));
  const H = Math.round(S.height * Math.sqrt(opts.size));
  const scale = W / S.width;
  const n = W * H;
  const rand = mulberry32(opts.seed);
  const g = normal(rand);
  const dates = sampleDates();
  const N = dates.length;
  const t = dates.map((d) => daysBetween(dates[0], d) / 365.25);
  const wavelength = SPEED_OF_LIGHT / SENTINEL1_FREQUENCY;
  const transform: GeoTransform = { originX: S.origin[0], originY: S.origin[1], pixelWidth: S.pixel, pixelHeight: -S.pixel };

  // --- terrain: a river meandering west–east, slopes rising to ~1400 m, plus rough relief
  const riverRow = (c: number): number => H * (0.48 + 0.08 * Math.sin((2 * Math.PI * c) / W));
  const relief = correlatedField(W, H, Math.max(2, Math.round(4 * scale)), g);
  const dem = new Float32Array(n);
  const water = new Uint8Array(n).fill(1);
  const distRiver = new Float64Array(n);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const d = Math.abs(r - riverRow(c)) / scale;
      distRiver[r * W + c] = d;
      dem[r * W + c] = 150 + 1250 * (1 - Math.exp(-d / 25)) + 90 * relief[r * W + c];
      if (d < 2) {
        water[r * W + c] = 0;
        dem[r * W + c] = 150;
      }
    }
  const incidence = new Float32Array(n);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) incidence[r * W + c] = S.incidence[0] + ((S.incidence[1] - S.incidence[0]) * c) / (W - 1);
  const slant = slantRangeFromIncidence(incidence, S.earthRadius, S.satHeight);

  // --- deformation truth: velocity field (m/yr) + landslides (seasonal)
  const vel = new Float64Array(n);
  const southStart = Math.round(H * 0.86);
  const bowl = correlatedField(W, H, Math.max(2, Math.round(6 * scale)), g);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const p = r * W + c;
      if (r >= southStart) {
        const depth = Math.min(1, (r - southStart + 1) / (0.06 * H));
        vel[p] = -(0.05 + 0.1 * depth * (0.6 + 0.4 * Math.abs(bowl[p]) / 2)) ;
        vel[p] = Math.max(-0.15, Math.min(-0.05, vel[p]));
      } else if (distRiver[p] >= 2 && distRiver[p] < 5) vel[p] = -0.05 - 0.05 * (5 - distRiver[p]) / 3;
    }
  const hist = slidingHistory(dates);
  const slideAmp = new Float64Array(n);
  const landslides: SbasSampleTruth["landslides"] = [];
  for (const ls of SAMPLE_LANDSLIDES) {
    const cx = ls.cx * W;
    const cy = ls.cy * H;
    const ax = ls.ax * scale;
    const ay = ls.ay * scale;
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const q = ((c + 0.5 - cx) / ax) ** 2 + ((r + 0.5 - cy) / ay) ** 2;
        if (q < 1) slideAmp[r * W + c] = ls.annual * (1 - q * q);
      }
    const polygon: [number, number][] = [];
    for (let k = 0; k <= 24; k++) {
      const a = (2 * Math.PI * k) / 24;
      polygon.push([S.origin[0] + (cx + ax * Math.cos(a)) * S.pixel, S.origin[1] - (cy + ay * Math.sin(a)) * S.pixel]);
    }
    landslides.push({ name: ls.name, row: Math.floor(cy), col: Math.floor(cx), polygon });
  }
  const truthTs = dates.map((_, i) => {
    const o = new Float32Array(n);
    for (let p = 0; p < n; p++) o[p] = water[p] ? vel[p] * t[i] + slideAmp[p] * hist[i] : NaN;
    return o;
  });

  // --- per-date errors (m)
  const bperp = dates.map((_, i) => (i === 0 ? 0 : S.bperpStd * g() + (S.bperpDrift * i) / (N - 1)));
  const demErr = correlatedField(W, H, 1, g).map((v) => v * S.demErrorStd);
  const hMean = dem.reduce((a, b) => a + b, 0) / n;
  const errors: Float64Array[] = dates.map((_, i) => {
    const turb = correlatedField(W, H, Math.max(2, Math.round(S.turbulenceRadius * scale)), g);
    const k = S.stratifiedStd * g();
    const rx = (S.rampStd * g()) / W;
    const ry = (S.rampStd * g()) / H;
    const e = new Float64Array(n);
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const p = r * W + c;
        e[p] =
          S.turbulenceStd * turb[p] +
          k * (dem[p] - hMean) +
          rx * (c - W / 2) +
          ry * (r - H / 2) +
          (bperp[i] / (slant[p] * Math.sin((incidence[p] * Math.PI) / 180))) * demErr[p];
      }
    return e;
  });

  // --- coherence: land cover × temporal decorrelation
  const cover = correlatedField(W, H, Math.max(2, Math.round(3 * scale)), g);
  const gamma0 = Float64Array.from(cover, (v, p) => (water[p] ? Math.min(0.95, Math.max(0.35, 0.72 + 0.15 * v)) : 0.05));
  const pairs: [number, number][] = [];
  for (let i = 0; i < N; i++) for (let j = i + 1; j <= Math.min(N - 1, i + S.neighbours); j++) pairs.push([i, j]);
  const L = (S.rangeLooks * S.azimuthLooks) / 1.94;
  const toPhase = (-4 * Math.PI) / wavelength;

  mkdirSync(outDir, { recursive: true });
  const bar = progress("sbas-stack pairs", pairs.length, { unit: "pairs", quiet: opts.quiet });
  for (let k = 0; k < pairs.length; k++) {
    const [i, j] = pairs[k];
    const name = hyp3Name(dates[i], dates[j], k);
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    const dt = daysBetween(dates[i], dates[j]);
    const phase = new Float32Array(n);
    const coh = new Float32Array(n);
    const holes: [number, number][] = [];
    for (let h = 0; h < S.holesPerPair; h++) holes.push([rand() * W, rand() * H]);
    const hr = S.holeRadius * scale;
    for (let p = 0; p < n; p++) {
      const c = p % W;
      const r = (p - c) / W;
      const gam = gamma0[p] * Math.exp(-dt / S.decorrelationDays) * (0.95 + 0.05 * rand());
      coh[p] = gam;
      if (!water[p] || holes.some(([hx, hy]) => (c - hx) ** 2 + (r - hy) ** 2 < hr * hr)) {
        phase[p] = 0;
        continue;
      }
      const sd = Math.sqrt((1 - gam * gam) / (2 * L * gam * gam));
      const d = truthTs[j][p] - truthTs[i][p] + errors[j][p] - errors[i][p];
      phase[p] = toPhase * d + sd * g();
      if (phase[p] === 0) phase[p] = 1e-7;
    }
    writeRaster(join(dir, `${name}_unw_phase.tif`), { width: W, height: H, bands: [phase], transform, epsg: S.epsg, noData: 0 });
    writeRaster(join(dir, `${name}_corr.tif`), { width: W, height: H, bands: [coh], transform, epsg: S.epsg });
    const meta = [
      `Reference Granule: S1A_IW_SLC__1SDV_${dates[i]}T103035_${dates[i]}T103102_000000_000000_0000`,
      `Secondary Granule: S1A_IW_SLC__1SDV_${dates[j]}T103035_${dates[j]}T103102_000000_000000_0000`,
      "Reference Pass Direction: DESCENDING",
      "Reference Orbit Number: 11",
      `Baseline: ${(bperp[j] - bperp[i]).toFixed(4)}`,
      "UTC time: 37835.0",
      "Heading: -167.2",
      `Spacecraft height: ${S.satHeight}`,
      `Earth radius at nadir: ${S.earthRadius}`,
      `Slant range near: ${slant[0].toFixed(3)}`,
      `Slant range center: ${slant[Math.floor(W / 2)].toFixed(3)}`,
      `Slant range far: ${slant[W - 1].toFixed(3)}`,
      `Range looks: ${S.rangeLooks}`,
      `Azimuth looks: ${S.azimuthLooks}`,
      "INSAR phase filter: yes",
      "Phase filter parameter: 0.6",
      "Unwrapping type: mcf",
      "Speckle filter: yes",
      "DEM source: simulated",
      "",
    ].join("\n");
    writeFileSync(join(dir, `${name}.txt`), meta);
    if (k === 0) {
      const lvTheta = Float32Array.from(incidence, (v) => ((90 - v) * Math.PI) / 180);
      writeRaster(join(dir, `${name}_dem.tif`), { width: W, height: H, bands: [dem], transform, epsg: S.epsg });
      writeRaster(join(dir, `${name}_lv_theta.tif`), { width: W, height: H, bands: [lvTheta], transform, epsg: S.epsg });
      writeRaster(join(dir, `${name}_water_mask.tif`), { width: W, height: H, bands: [water], transform, epsg: S.epsg });
    }
    bar.tick();
  }
  bar.done();

  // --- truth
  const tdir = join(outDir, "truth");
  mkdirSync(tdir, { recursive: true });
  const yrs = dates.map(decimalYear);
  const ym = yrs.reduce((a, b) => a + b, 0) / N;
  const sxx = yrs.reduce((a, b) => a + (b - ym) ** 2, 0);
  const linVel = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let sxy = 0;
    for (let i = 0; i < N; i++) sxy += (yrs[i] - ym) * truthTs[i][p];
    linVel[p] = sxy / sxx;
  }
  writeRaster(join(tdir, "velocity.tif"), { width: W, height: H, bands: [linVel], transform, epsg: S.epsg, bandNames: ["velocity_m_per_yr"] });
  writeRaster(join(tdir, "timeseries.tif"), { width: W, height: H, bands: truthTs, transform, epsg: S.epsg, bandNames: dates });
  writeRaster(join(tdir, "dem_error.tif"), { width: W, height: H, bands: [Float32Array.from(demErr)], transform, epsg: S.epsg });
  const truth: SbasSampleTruth = {
    dates,
    pairs: pairs.map(([i, j]) => [dates[i], dates[j]]),
    bperpDates: bperp,
    landslides,
    wavelength,
    width: W,
    height: H,
  };
  writeFileSync(join(tdir, "truth.json"), JSON.stringify(truth, null, 1));
  writeFileSync(
    join(tdir, "landslides.geojson"),
    JSON.stringify({
      type: "FeatureCollection",
      crs: { type: "name", properties: { name: `urn:ogc:def:crs:EPSG::${S.epsg}` } },
      features: landslides.map((l) => ({
        type: "Feature",
        properties: { name: l.name, row: l.row, col: l.col },
        geometry: { type: "Polygon", coordinates: [l.polygon] },
      })),
    }),
  );
  writeFileSync(
    join(outDir, "README.md"),
    `# sbas-stack (simulated, seed ${opts.seed}, size ${opts.size})\n\n${N} Sentinel-1 dates ${dates[0]}…${dates[N - 1]}, ${pairs.length} HyP3-style pairs (${W}×${H} px, EPSG:${S.epsg}, ${S.pixel} m). Truth in truth/: velocity.tif (linear LOS velocity, m/yr), timeseries.tif (LOS displacement per date, m, positive toward the satellite), dem_error.tif (m), landslides.geojson, truth.json.\n`,
  );
}

export const sbasStackSample: SampleDataset = {
  id: "sbas-stack",
  version: SBAS_SAMPLE_VERSION,
  description: "Simulated 43-date Sentinel-1 SBAS stack (HyP3 GeoTIFFs) over a Zigui-like valley with landslides, troposphere, ramps, DEM errors; truth included",
  build: buildSbasStack,
};
