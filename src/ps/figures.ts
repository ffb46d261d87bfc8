/**
 * Figures and tables of notebook 20 (Foshan Fig 2, 3, 4 and the internal-precision check), built from a
 * PS run's own numbers: the flow chart is drawn from the steps and counts the run went through.
 */
import type { PlotlyFigure } from "../notebook/display";
import { lonLatAxes, M_PER_DEG } from "../core/crs";
import type { PsResult, SubwayLineFeature } from "./io";
import type { FlowStep } from "./timeseries";
import { REJECT } from "./quality";

export interface Area {
  name: string;
  lon: number;
  lat: number;
  radiusM: number;
}

function distM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const c = Math.cos(((lat1 + lat2) / 2) * (Math.PI / 180));
  return Math.hypot((lon1 - lon2) * M_PER_DEG * c, (lat1 - lat2) * 110_574);
}

/** Fig 2: the processing flow, one box per step, with the count each step produced. */
export function flowFigure(flow: FlowStep[], title = "Improved PS-InSAR processing flow (this run)"): PlotlyFigure {
  const n = flow.length;
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  flow.forEach((s, i) => {
    const y = n - i;
    const branch = /Multilook|Temporal coherence/.test(s.step);
    const x = branch ? 1.6 : 0;
    shapes.push({ type: "rect", x0: x - 0.75, x1: x + 0.75, y0: y - 0.38, y1: y + 0.38, line: { color: branch ? "#d62728" : "#1f77b4" }, fillcolor: branch ? "#fde0dd" : "#deebf7" });
    annotations.push({
      x,
      y,
      text: `<b>${s.step}</b><br>${s.detail}${s.count !== undefined ? `<br>n = ${s.count}` : ""}`,
      showarrow: false,
      font: { size: 11 },
    });
    if (i > 0) {
      const prevBranch = /Multilook|Temporal coherence/.test(flow[i - 1].step);
      const px = prevBranch ? 1.6 : 0;
      annotations.push({ x, y: y + 0.38, ax: px, ay: y + 1 - 0.38, xref: "x", yref: "y", axref: "x", ayref: "y", showarrow: true, arrowhead: 2, text: "" });
    }
  });
  return {
    data: [{ x: [0], y: [0], mode: "markers", marker: { opacity: 0 }, hoverinfo: "skip", showlegend: false }],
    layout: {
      title: { text: title },
      shapes,
      annotations,
      xaxis: { visible: false, range: [-1, 2.5] },
      yaxis: { visible: false, range: [0.4, n + 0.6] },
      height: 90 * n + 80,
      margin: { l: 10, r: 10, t: 50, b: 10 },
    },
  };
}

/** Fig 3: mean LOS velocity of every PS (mm/yr), subway lines and the analysed areas. */
export function velocityMapFigure(
  r: PsResult,
  opts: { lines?: SubwayLineFeature[]; areas?: Area[]; title?: string; cmin?: number; cmax?: number } = {},
): PlotlyFigure {
  const data: unknown[] = [
    {
      type: "scattergl",
      mode: "markers",
      x: r.points.map((p) => p.lon),
      y: r.points.map((p) => p.lat),
      text: r.points.map((p) => `PS ${p.id}: ${p.velocity.toFixed(1)} ± ${p.velocityStd.toFixed(2)} mm/a`),
      hoverinfo: "text",
      marker: {
        size: 4,
        color: r.points.map((p) => p.velocity),
        colorscale: "RdYlBu",
        cmin: opts.cmin ?? -30,
        cmax: opts.cmax ?? 5,
        colorbar: { title: { text: "mm/a" } },
      },
      name: "PS",
    },
  ];
  for (const l of opts.lines ?? []) {
    data.push({ type: "scatter", mode: "lines", x: l.coordinates.map((c) => c[0]), y: l.coordinates.map((c) => c[1]), line: { color: "black", width: 2 }, name: l.name });
  }
  const shapes = (opts.areas ?? []).map((a) => {
    const dLat = a.radiusM / 110_574;
    const dLon = a.radiusM / (M_PER_DEG * Math.cos((a.lat * Math.PI) / 180));
    return { type: "circle", x0: a.lon - dLon, x1: a.lon + dLon, y0: a.lat - dLat, y1: a.lat + dLat, line: { color: "red", dash: "dash" } };
  });
  const annotations = (opts.areas ?? []).map((a) => ({ x: a.lon, y: a.lat + a.radiusM / 110_574, text: `<b>${a.name}</b>`, showarrow: false, yshift: 10, font: { color: "red" } }));
  return {
    data,
    layout: {
      title: { text: opts.title ?? "Mean LOS velocity (mm/a)" },
      ...lonLatAxes(r.points[0]?.lat ?? 23),
      shapes,
      annotations,
      legend: { orientation: "h", y: -0.15 },
      height: 650,
    },
  };
}

/** Mean displacement series of the PS within each area (Fig 4), with the PS count. */
export function areaSeries(r: PsResult, areas: Area[]): { area: Area; count: number; meanMm: number[]; velocity: number }[] {
  return areas.map((a) => {
    const pts = r.points.filter((p) => distM(p.lon, p.lat, a.lon, a.lat) <= a.radiusM);
    const K = r.dates.length;
    const meanMm = Array.from({ length: K }, (_, k) => (pts.length ? pts.reduce((s, p) => s + p.displacement[k], 0) / pts.length : NaN));
    const velocity = pts.length ? pts.reduce((s, p) => s + p.velocity, 0) / pts.length : NaN;
    return { area: a, count: pts.length, meanMm, velocity };
  });
}

export function timeSeriesFigure(r: PsResult, series: ReturnType<typeof areaSeries>, title = "Displacement time series at the subsidence areas"): PlotlyFigure {
  return {
    data: series.map((s) => ({ type: "scatter", mode: "lines+markers", x: r.dates, y: s.meanMm, name: `${s.area.name} (${s.count} PS)`, marker: { size: 4 } })),
    layout: { title: { text: title }, xaxis: { title: { text: "date" } }, yaxis: { title: { text: "LOS displacement (mm)" } } },
  };
}

/** The internal precision check: histogram of per-PS velocity standard deviations. */
export function precisionHistogram(r: PsResult): PlotlyFigure {
  return {
    data: [{ type: "histogram", x: r.points.map((p) => p.velocityStd), xbins: { start: 0, end: 3, size: 0.05 }, name: "PS" }],
    layout: {
      title: { text: "Internal precision: standard deviation of the velocity" },
      xaxis: { title: { text: "σ_v (mm/a)" } },
      yaxis: { title: { text: "PS" } },
      shapes: [{ type: "line", x0: 1, x1: 1, yref: "paper", y0: 0, y1: 1, line: { color: "red", dash: "dash" } }],
    },
  };
}

/**
 * The strongest subsidence areas when none are given (real data): cells of `cellM` with the lowest mean
 * velocity (at least `minPs` PS), at least `separationM` apart, named A, B, C...
 */
export function subsidenceAreas(r: PsResult, count = 3, cellM = 250, separationM = 1000, minPs = 5): Area[] {
  if (r.points.length === 0) return [];
  const lat0 = r.points[0].lat;
  const cLon = cellM / (M_PER_DEG * Math.cos((lat0 * Math.PI) / 180));
  const cLat = cellM / 110_574;
  const cells = new Map<string, { sum: number; n: number; lon: number; lat: number }>();
  for (const p of r.points) {
    const key = `${Math.floor(p.lon / cLon)},${Math.floor(p.lat / cLat)}`;
    const c = cells.get(key) ?? { sum: 0, n: 0, lon: 0, lat: 0 };
    c.sum += p.velocity;
    c.n++;
    c.lon += p.lon;
    c.lat += p.lat;
    cells.set(key, c);
  }
  const ranked = [...cells.values()].filter((c) => c.n >= minPs).sort((a, b) => a.sum / a.n - b.sum / b.n);
  const out: Area[] = [];
  for (const c of ranked) {
    const lon = c.lon / c.n;
    const lat = c.lat / c.n;
    if (out.some((a) => distM(a.lon, a.lat, lon, lat) < separationM)) continue;
    out.push({ name: String.fromCharCode(65 + out.length), lon, lat, radiusM: cellM });
    if (out.length === count) break;
  }
  return out;
}

/**
 * Phase-linking coherence γ_PL of the distributed scatterers (tier 2): those the outputs step accepted,
 * and those it rejected for γ_PL below `min` (dashed) or for their residual coherence.
 */
export function linkingHistogram(linking: ArrayLike<number>, verdict: ArrayLike<number>, min: number): PlotlyFigure {
  const groups: Record<string, number[]> = { accepted: [], "rejected: γ_PL": [], "rejected: residual coherence or disconnected": [] };
  for (let c = 0; c < linking.length; c++) {
    const g = linking[c];
    if (!Number.isFinite(g)) continue;
    const v = verdict[c];
    groups[v === REJECT.none ? "accepted" : v === REJECT.linkingCoherence ? "rejected: γ_PL" : "rejected: residual coherence or disconnected"].push(g);
  }
  return {
    data: Object.entries(groups).map(([name, x]) => ({ type: "histogram", x, name, xbins: { start: 0, end: 1, size: 0.02 } })),
    layout: {
      barmode: "stack",
      title: { text: "Distributed scatterers: phase-linking coherence γ_PL" },
      xaxis: { title: { text: "γ_PL" } },
      yaxis: { title: { text: "DS" } },
      shapes: [{ type: "line", x0: min, x1: min, yref: "paper", y0: 0, y1: 1, line: { color: "red", dash: "dash" } }],
    },
  };
}
