/**
 * The Zigui SBAS analyses behind the notebook (paper Figs 8–12, §3.3): velocity-class area fractions,
 * landslide (or analysis-point) curves with linear fits and the monthly / seasonal rates, and the
 * Plotly figures (lon/lat maps with true east–west scale). Kept here so the notebook is calls only;
 * the input of each data profile is src/samples/sbas-input.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import type { PlotlyFigure, Row } from "../notebook/display";
import type { SbasParams } from "./params";
import type { SbasResult } from "./result";
import type { StackMeta } from "./mintpy-h5";
import { geoToPixel } from "../io/raster";
import { pixelLonLat } from "./geo";
import { lonLatAxes, projDef } from "../core/crs";
import proj4 from "proj4";
import {
  displacementAtMonthEnd,
  linearFit,
  meanSeries,
  monthlyRates,
  pixelsInPolygon,
  seasonalRates,
  type LinearFit,
  type MonthlyRate,
  type SeasonSummary,
} from "./point";
import { coherentPoints } from "./outputs";

/** Area fraction of reliable pixels per velocity class (edges in cm/yr, open-ended outer classes). */
export function velocityClassFractions(velocity: Float32Array, mask: Uint8Array, edgesCmYr: number[]): Row[] {
  const edges = [...edgesCmYr].sort((a, b) => a - b);
  const counts = new Array(edges.length + 1).fill(0);
  let total = 0;
  for (let p = 0; p < velocity.length; p++) {
    const v = velocity[p] * 100;
    if (!mask[p] || v !== v) continue;
    total++;
    let k = 0;
    while (k < edges.length && v >= edges[k]) k++;
    counts[k]++;
  }
  return counts.map((c, k) => ({
    class: k === 0 ? `< ${edges[0]}` : k === edges.length ? `≥ ${edges[edges.length - 1]}` : `${edges[k - 1]} … ${edges[k]}`,
    pixels: c,
    percent: total ? (100 * c) / total : NaN,
  }));
}

export interface AnalysisTarget {
  name: string;
  pixels: number[];
  /** Outline in lon/lat for maps. */
  outline?: [number, number][];
}

/** Landslide polygons from GeoJSON (any CRS the stack's EPSG shares), or, without any, three points of the velocity distribution. */
export function analysisTargets(result: SbasResult, stack: StackMeta, landslides?: string): AnalysisTarget[] {
  if (landslides && existsSync(landslides) && stack.transform) {
    const gj = JSON.parse(readFileSync(landslides, "utf8")) as {
      features: { properties: { name: string }; geometry: { type: string; coordinates: [number, number][][] } }[];
    };
    return gj.features.map((f) => {
      const ring = f.geometry.coordinates[0];
      const colRow = ring.map(([x, y]) => geoToPixel(stack.transform!, x, y) as [number, number]);
      const def = projDef(stack.epsg ?? 4326);
      const outline = ring.map((xy) => (def && def !== "EPSG:4326" ? (proj4(def, "EPSG:4326", xy) as [number, number]) : xy));
      return { name: f.properties.name, pixels: pixelsInPolygon(colRow, stack.width, stack.height), outline };
    });
  }
  const idx: number[] = [];
  for (let p = 0; p < result.velocity.length; p++) if (result.maskTempCoh[p] && result.velocity[p] === result.velocity[p]) idx.push(p);
  idx.sort((a, b) => result.velocity[a] - result.velocity[b]);
  const pick = (q: number, name: string): AnalysisTarget => {
    const c = idx[Math.min(idx.length - 1, Math.floor(q * idx.length))];
    const row = Math.floor(c / stack.width);
    const col = c % stack.width;
    const px: number[] = [];
    for (let dr = -1; dr <= 1; dr++)
      for (let dc = -1; dc <= 1; dc++) {
        const r = row + dr;
        const cc = col + dc;
        if (r >= 0 && r < stack.height && cc >= 0 && cc < stack.width) px.push(r * stack.width + cc);
      }
    return { name, pixels: px };
  };
  return [pick(0.02, "fastest 2 % (velocity)"), pick(0.5, "median velocity"), pick(0.98, "slowest 2 % (velocity)")];
}

export interface CurveAnalysis {
  name: string;
  dates: string[];
  /** Mean LOS displacement over the target's reliable pixels, mm, relative to the first date. */
  mm: number[];
  pixels: number;
  fit: LinearFit;
  monthly: MonthlyRate[];
  seasons: SeasonSummary[];
  august: { date: string; valueMm: number } | null;
}

export function curveAnalysis(result: SbasResult, target: AnalysisTarget, params: SbasParams): CurveAnalysis {
  const reliable = target.pixels.filter((p) => result.maskTempCoh[p]);
  const use = reliable.length ? reliable : target.pixels;
  const series = meanSeries(result.ts, use).map((v) => v * 1000);
  const mm = series.map((v) => v - series[0]);
  const monthly = monthlyRates(result.dates, mm);
  return {
    name: target.name,
    dates: result.dates,
    mm,
    pixels: use.length,
    fit: linearFit(result.dates, mm, params.slopeUnit),
    monthly,
    seasons: seasonalRates(monthly, {
      "sliding (Mar–Aug)": params.slidingMonths,
      "strongest (Apr–May)": params.strongestMonths,
      "stable (Sep–Feb)": params.stableMonths,
    }),
    august: displacementAtMonthEnd(result.dates, mm, 8),
  };
}

const iso = (d: string): string => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** Fig 8: LOS velocity map (cm/yr) of reliable pixels in lon/lat. */
export function velocityMapFigure(result: SbasResult, stack: StackMeta, rangeCmYr: [number, number]): PlotlyFigure {
  const z: (number | null)[][] = [];
  for (let r = 0; r < stack.height; r++) {
    const row: (number | null)[] = [];
    for (let c = 0; c < stack.width; c++) {
      const p = r * stack.width + c;
      const v = result.velocity[p];
      row.push(result.maskTempCoh[p] && v === v ? Number((v * 100).toFixed(3)) : null);
    }
    z.push(row);
  }
  const x: number[] = [];
  const y: number[] = [];
  const ll = (c: number, r: number): [number, number] => (stack.transform ? pixelLonLat(stack.transform, stack.epsg, c, r) : null) ?? [c, r];
  for (let c = 0; c < stack.width; c++) x.push(Number(ll(c, Math.floor(stack.height / 2))[0].toFixed(6)));
  for (let r = 0; r < stack.height; r++) y.push(Number(ll(Math.floor(stack.width / 2), r)[1].toFixed(6)));
  return {
    data: [{ type: "heatmap", x, y, z, zmin: rangeCmYr[0], zmax: rangeCmYr[1], colorscale: "RdBu", colorbar: { title: { text: "cm/yr" } } }],
    layout: {
      title: { text: "LOS velocity (reliable pixels, temporal coherence ≥ threshold)" },
      ...(stack.transform
        ? lonLatAxes(y[Math.floor(y.length / 2)])
        : { xaxis: { title: { text: "column" } }, yaxis: { title: { text: "row" }, scaleanchor: "x", autorange: "reversed" } }),
    },
  };
}

/** Fig 9: PS-like coherent points coloured by velocity, with the landslide outlines. */
export function coherentPointsFigure(result: SbasResult, stack: StackMeta, params: SbasParams, targets: AnalysisTarget[]): PlotlyFigure {
  const pts = coherentPoints(result, stack, params.pointCoherence, 20_000);
  const data: unknown[] = [
    {
      type: "scattergl",
      mode: "markers",
      name: `points (γ ≥ ${params.pointCoherence})`,
      x: pts.map((p) => Number(p.lon.toFixed(6))),
      y: pts.map((p) => Number(p.lat.toFixed(6))),
      marker: { size: 4, color: pts.map((p) => Number((p.velocityMmYr / 10).toFixed(3))), colorscale: "RdBu", cmin: -10, cmax: 10, colorbar: { title: { text: "cm/yr" } } },
    },
  ];
  for (const t of targets)
    if (t.outline) data.push({ type: "scatter", mode: "lines", name: t.name, x: t.outline.map((p) => p[0]), y: t.outline.map((p) => p[1]), line: { width: 2 } });
  return {
    data,
    layout: { title: { text: `Coherent points: ${pts.length}` }, ...lonLatAxes(pts.length ? pts.reduce((a, p) => a + p.lat, 0) / pts.length : 0) },
  };
}

/** Figs 10–12: a displacement curve with its linear fit. */
export function curveFigure(a: CurveAnalysis): PlotlyFigure {
  const x = a.dates.map(iso);
  const idx = a.dates.map((_, i) => i);
  const days = a.dates.map((d) => (Date.parse(iso(d)) - Date.parse(iso(a.dates[0]))) / 86_400_000);
  const xs = a.fit.unit === "mm/acquisition" ? idx : a.fit.unit === "mm/day" ? days : a.fit.unit === "mm/month" ? days.map((d) => d / (365.25 / 12)) : days.map((d) => d / 365.25);
  return {
    data: [
      { type: "scatter", mode: "lines+markers", name: "LOS displacement", x, y: a.mm.map((v) => Number(v.toFixed(3))) },
      {
        type: "scatter",
        mode: "lines",
        name: `fit: slope ${a.fit.slope.toFixed(4)} ${a.fit.unit}, R² ${a.fit.r2.toFixed(3)}`,
        x,
        y: xs.map((v) => Number((a.fit.intercept + a.fit.slope * v).toFixed(3))),
        line: { dash: "dash" },
      },
    ],
    layout: { title: { text: `${a.name}: cumulative LOS displacement` }, xaxis: { title: { text: "date" } }, yaxis: { title: { text: "mm" } } },
  };
}

/** Monthly rates of all curves side by side (mm/month). */
export function monthlyTable(curves: CurveAnalysis[]): Row[] {
  const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return names.map((m, i) => {
    const row: Row = { month: m };
    for (const c of curves) row[c.name] = Number.isFinite(c.monthly[i].rateMmPerMonth) ? c.monthly[i].rateMmPerMonth : null;
    return row;
  });
}
