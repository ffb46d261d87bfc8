/**
 * Plotly specs for the subway notebooks (Figs 1, 5–10 of the Foshan study). Maps are drawn in
 * longitude/latitude with the y axis scaled by 1/cos(latitude) so that distances look true, without
 * web tiles (the notebooks must render offline).
 */
import type { PlotlyFigure } from "../notebook/display";
import type { LonLat } from "../geometry/datum";
import type { Station, SubwayLine } from "../geometry/geojson";
import { bufferOutline, pointAtChainage } from "../geometry/polyline";
import { fromMetric } from "../geometry/projection";
import { dateAfter, yearsSince } from "../core/dates";
import { lonLatAxes, mapAspect, M_PER_DEG } from "../core/crs";
import { predict, type SettlementFit } from "../settlement/fitting";
import { confidenceBand } from "../settlement/intervals";
import type { Stabilisation } from "../settlement/stabilisation";
import type { LineAnalysis, SubwayAnalysis } from "./analysis";
import type { SiteSeries } from "./buffer";
import type { PsPoints } from "./ps";

const LINE_COLOURS = ["#b5651d", "#00a0e9", "#e4007f", "#8fc31f", "#7d4698", "#f39800"];

/** Velocity colour scale: red = subsidence, blue = uplift, as InSAR maps usually show it. */
export const VELOCITY_COLORSCALE: [number, string][] = [
  [0, "#67001f"],
  [0.25, "#d6604d"],
  [0.5, "#fddbc7"],
  [0.7, "#f7f7f7"],
  [0.85, "#92c5de"],
  [1, "#053061"],
];

function mapLayout(title: string, lat: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    ...lonLatAxes(lat),
    legend: { orientation: "h" },
    height: 600,
    ...extra,
  };
}

function meanLat(lines: readonly SubwayLine[]): number {
  let s = 0;
  let n = 0;
  for (const l of lines) for (const p of l.geometry.coordinates) {
    s += p[1];
    n++;
  }
  return n ? s / n : 0;
}

/** Fig 1: the study area with the subway lines, their stations and (optionally) the PS points. */
export function studyAreaFigure(
  lines: readonly SubwayLine[],
  stations: readonly Station[],
  box: { lonMin: number; lonMax: number; latMin: number; latMax: number },
  opts: { title?: string; ps?: PsPoints; showBox?: boolean } = {},
): PlotlyFigure {
  const data: unknown[] = [];
  if (opts.ps) {
    data.push({
      type: "scattergl",
      mode: "markers",
      x: Array.from(opts.ps.lon),
      y: Array.from(opts.ps.lat),
      marker: { size: 3, color: Array.from(opts.ps.velocity), colorscale: VELOCITY_COLORSCALE, cmin: -30, cmax: 5, colorbar: { title: { text: "mm/yr" } } },
      name: "PS velocity",
      hoverinfo: "skip",
    });
  }
  lines.forEach((l, i) => {
    data.push({
      type: "scatter",
      mode: "lines",
      x: l.geometry.coordinates.map((p) => p[0]),
      y: l.geometry.coordinates.map((p) => p[1]),
      line: { color: LINE_COLOURS[i % LINE_COLOURS.length], width: 3 },
      name: `${l.code}: ${l.name}`,
    });
    const st = stations.filter((s) => s.line === l.code);
    if (st.length) {
      data.push({
        type: "scatter",
        mode: "markers",
        x: st.map((s) => s.geometry.coordinates[0]),
        y: st.map((s) => s.geometry.coordinates[1]),
        text: st.map((s) => s.name),
        hoverinfo: "text",
        marker: { size: 7, color: "white", line: { color: LINE_COLOURS[i % LINE_COLOURS.length], width: 2 } },
        name: `${l.code} stations`,
        showlegend: false,
      });
    }
  });
  if (opts.showBox ?? true) {
    data.push({
      type: "scatter",
      mode: "lines",
      x: [box.lonMin, box.lonMax, box.lonMax, box.lonMin, box.lonMin],
      y: [box.latMin, box.latMin, box.latMax, box.latMax, box.latMin],
      line: { color: "grey", dash: "dot" },
      name: "study area (paper, Fig 1)",
    });
  }
  return { data, layout: mapLayout(opts.title ?? "Study area and subway lines", meanLat(lines)) };
}

/** Figs 5–9: PS velocities within one line's buffer over the buffer outline, the line and its stations. */
export function lineVelocityFigure(
  an: SubwayAnalysis,
  a: LineAnalysis,
  ps: PsPoints,
  opts: {
    title?: string;
    cmin?: number;
    cmax?: number;
    site?: LonLat;
    siteLabel?: string;
    stationNames?: Record<string, string>;
    /** Zoom on a window of ± halfWidthM metres around a point (e.g. a section, Fig 7). */
    window?: { centre: LonLat; halfWidthM: number };
  } = {},
): PlotlyFigure {
  const frame = an.frame;
  const xs: (number | null)[] = [];
  const ys: (number | null)[] = [];
  for (const ring of bufferOutline(a.line.polyline, an.params.bufferRadiusM, 8)) {
    for (let i = 0; i < ring.length; i += 2) {
      const [lon, lat] = fromMetric(frame, ring[i], ring[i + 1]);
      xs.push(lon);
      ys.push(lat);
    }
    xs.push(null);
    ys.push(null);
  }
  const lineXY: LonLat[] = [];
  for (let i = 0; i < a.line.polyline.xy.length; i += 2) lineXY.push(fromMetric(frame, a.line.polyline.xy[i], a.line.polyline.xy[i + 1]));
  const m = a.membership;
  const data: unknown[] = [
    { type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: "rgba(120,120,120,0.12)", line: { width: 0 }, name: `${an.params.bufferRadiusM} m buffer`, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", x: lineXY.map((p) => p[0]), y: lineXY.map((p) => p[1]), line: { color: "black", width: 2 }, name: a.line.name },
    {
      type: "scattergl",
      mode: "markers",
      x: Array.from(m.index, (i) => ps.lon[i]),
      y: Array.from(m.index, (i) => ps.lat[i]),
      text: Array.from(m.index, (i, j) => `${ps.ids[i]}: ${ps.velocity[i].toFixed(1)} mm/yr, ${m.distance[j].toFixed(0)} m`),
      hoverinfo: "text",
      marker: {
        size: 5,
        color: Array.from(m.index, (i) => ps.velocity[i]),
        colorscale: VELOCITY_COLORSCALE,
        cmin: opts.cmin ?? -30,
        cmax: opts.cmax ?? 5,
        colorbar: { title: { text: "LOS mm/yr" } },
      },
      name: `PS (${m.index.length})`,
    },
  ];
  if (a.line.stations.length) {
    const coords = a.line.stations.map((st) => {
      const [x, y] = pointAtChainage(a.line.polyline, st.chainage);
      return fromMetric(frame, x, y);
    });
    data.push({
      type: "scatter",
      mode: "markers+text",
      x: coords.map((c) => c[0]),
      y: coords.map((c) => c[1]),
      // Romanised names beside the Chinese ones, where known: readable without CJK fonts.
      text: a.line.stations.map((st) => (opts.stationNames?.[st.name] ? `${opts.stationNames[st.name]} ${st.name}` : st.name)),
      textposition: "top center",
      textfont: { size: 10 },
      marker: { size: 8, color: "white", line: { color: "black", width: 1.5 } },
      name: "stations",
    });
  }
  if (opts.site) {
    data.push({ type: "scatter", mode: "markers", x: [opts.site[0]], y: [opts.site[1]], marker: { symbol: "star", size: 16, color: "red", line: { color: "black", width: 1 } }, name: opts.siteLabel ?? "site" });
  }
  const extra: Record<string, unknown> = {};
  if (opts.window) {
    const [lon, lat] = opts.window.centre;
    const dLat = opts.window.halfWidthM / M_PER_DEG;
    const dLon = dLat * mapAspect(lat);
    const axes = lonLatAxes(lat);
    extra.xaxis = { ...axes.xaxis, range: [lon - dLon, lon + dLon] };
    extra.yaxis = { ...axes.yaxis, range: [lat - dLat, lat + dLat] };
  }
  return { data, layout: mapLayout(opts.title ?? `${a.line.name}: PS velocity within ${an.params.bufferRadiusM} m`, lineXY.reduce((s, p) => s + p[1], 0) / lineXY.length, extra) };
}

/** Velocity distribution of the PS in each line's buffer. */
export function velocityHistogramFigure(an: SubwayAnalysis, ps: PsPoints): PlotlyFigure {
  return {
    data: an.lines.map((a, i) => ({
      type: "histogram",
      x: Array.from(a.membership.index, (k) => ps.velocity[k]),
      name: a.line.code,
      opacity: 0.6,
      marker: { color: LINE_COLOURS[i % LINE_COLOURS.length] },
      xbins: { size: 1 },
    })),
    layout: { title: { text: `PS velocity within ${an.params.bufferRadiusM} m of each line` }, barmode: "overlay", xaxis: { title: { text: "LOS velocity (mm/yr)" } }, yaxis: { title: { text: "PS" } } },
  };
}

/** Mean displacement at a site with ±1 σ across its points and an event marker (e.g. the collapse). */
export function siteSeriesFigure(s: SiteSeries, opts: { title?: string; eventDate?: string; eventLabel?: string; fit?: { dates: string[]; values: ArrayLike<number>; name: string } } = {}): PlotlyFigure {
  const mean = Array.from(s.mean);
  const data: unknown[] = [
    { type: "scatter", mode: "lines", x: s.dates, y: mean.map((v, i) => v + (Number.isFinite(s.std[i]) ? s.std[i] : 0)), line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", x: s.dates, y: mean.map((v, i) => v - (Number.isFinite(s.std[i]) ? s.std[i] : 0)), fill: "tonexty", fillcolor: "rgba(31,119,180,0.15)", line: { width: 0 }, name: "±1σ across PS" },
    { type: "scatter", mode: "markers+lines", x: s.dates, y: mean, marker: { size: 4 }, name: `mean of ${s.count} PS within ${s.radius} m` },
  ];
  if (opts.fit) data.push({ type: "scatter", mode: "lines", x: opts.fit.dates, y: Array.from(opts.fit.values), line: { color: "black", dash: "dash" }, name: opts.fit.name });
  const shapes = opts.eventDate
    ? [{ type: "line", xref: "x", yref: "paper", x0: opts.eventDate, x1: opts.eventDate, y0: 0, y1: 1, line: { color: "red", dash: "dot" } }]
    : [];
  const annotations = opts.eventDate ? [{ x: opts.eventDate, y: 1, xref: "x", yref: "paper", text: opts.eventLabel ?? opts.eventDate, showarrow: false, yanchor: "bottom" }] : [];
  return { data, layout: { title: { text: opts.title ?? "Site displacement" }, xaxis: { title: { text: "date" } }, yaxis: { title: { text: "LOS displacement (mm)" } }, shapes, annotations } };
}

/** Fig 10: a multi-sensor series on one axis with the fitted curve, its band and the stabilisation date. */
export function settlementFitFigure(
  series: { sensor: string; dates: string[]; values: ArrayLike<number> }[],
  fit: SettlementFit,
  origin: string,
  opts: { title?: string; stab?: Stabilisation; until?: string; truth?: { dates: string[]; values: ArrayLike<number> } } = {},
): PlotlyFigure {
  const data: unknown[] = [];
  series.forEach((s, k) => {
    const off = fit.offsets[k] ?? 0;
    data.push({ type: "scatter", mode: "markers", x: s.dates, y: Array.from(s.values, (v) => v + off), marker: { size: 5 }, name: `${s.sensor}${off !== 0 ? ` (${off >= 0 ? "+" : "−"}${Math.abs(off).toFixed(1)} mm offset)` : ""}` });
  });
  const lastDates = series.flatMap((s) => s.dates).sort();
  const endT = yearsSince([opts.until ?? lastDates[lastDates.length - 1]], origin)[0];
  const ts = Array.from({ length: 200 }, (_, i) => (endT * i) / 199);
  const band = confidenceBand(fit, ts);
  const dates = ts.map((t) => dateAfter(origin, t));
  data.push(
    { type: "scatter", mode: "lines", x: dates, y: Array.from(band.upper), line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", x: dates, y: Array.from(band.lower), fill: "tonexty", fillcolor: "rgba(214,39,40,0.15)", line: { width: 0 }, name: `${Math.round(fit.confidence * 100)} % band` },
    { type: "scatter", mode: "lines", x: dates, y: Array.from(predict(fit, ts)), line: { color: "#d62728", width: 2 }, name: `${fit.model} fit` },
  );
  if (opts.truth) data.push({ type: "scatter", mode: "lines", x: opts.truth.dates, y: Array.from(opts.truth.values), line: { color: "black", dash: "dot" }, name: "planted truth" });
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  // A stabilisation date is drawn only when the verdict gives one, with its interval as a shaded span.
  if (opts.stab && opts.stab.status === "stabilised") {
    const d = dateAfter(origin, opts.stab.t);
    if (Number.isFinite(opts.stab.lower) && Number.isFinite(opts.stab.upper)) {
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: dateAfter(origin, opts.stab.lower), x1: dateAfter(origin, opts.stab.upper), y0: 0, y1: 1, fillcolor: "rgba(128,128,128,0.15)", line: { width: 0 } });
    }
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: d, x1: d, y0: 0, y1: 1, line: { color: "grey", dash: "dash" } });
    annotations.push({ x: d, y: 1, xref: "x", yref: "paper", text: `${Math.round(opts.stab.fraction * 100)} % of the settlement: ${d}`, showarrow: false, yanchor: "bottom" });
  } else if (opts.stab) {
    annotations.push({ x: 0.01, y: 0.02, xref: "paper", yref: "paper", xanchor: "left", text: opts.stab.status === "no-plateau" ? "no plateau: no stabilisation time" : "not stabilised within the observations", showarrow: false });
  }
  return {
    data,
    layout: { title: { text: opts.title ?? "Full-cycle settlement and logistic fit" }, xaxis: { title: { text: "date" } }, yaxis: { title: { text: "settlement (mm)" } }, shapes, annotations },
  };
}

/** Velocity against position along the line (km), with station positions: where along a line it subsides. */
export function chainageProfileFigure(a: LineAnalysis, ps: PsPoints, opts: { title?: string; stationNames?: Record<string, string>; threshold?: number } = {}): PlotlyFigure {
  const m = a.membership;
  const shapes: unknown[] = a.line.stations.map((s) => ({ type: "line", xref: "x", yref: "paper", x0: s.chainage / 1000, x1: s.chainage / 1000, y0: 0, y1: 1, line: { color: "rgba(0,0,0,0.2)", width: 1 } }));
  if (opts.threshold !== undefined) {
    shapes.push({ type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: opts.threshold, y1: opts.threshold, line: { color: "red", dash: "dot", width: 1 } });
  }
  const medians = a.segments.map((s, k) => ({ x: (m.segments[k].startChainage + m.segments[k].endChainage) / 2000, y: s.median }));
  return {
    data: [
      {
        type: "scattergl",
        mode: "markers",
        x: Array.from(m.chainage, (c) => c / 1000),
        y: Array.from(m.index, (i) => ps.velocity[i]),
        marker: { size: 3, color: Array.from(m.distance), colorscale: "Greys", cmin: 0, cmax: m.radius, colorbar: { title: { text: "distance (m)" } } },
        name: "PS",
      },
      { type: "scatter", mode: "lines+markers", x: medians.map((p) => p.x), y: medians.map((p) => p.y), line: { color: "#d62728" }, name: "segment median" },
    ],
    layout: {
      title: { text: opts.title ?? `${a.line.name}: velocity along the line` },
      xaxis: {
        title: { text: "distance along the line (km)" },
        tickvals: a.line.stations.map((s) => s.chainage / 1000),
        ticktext: a.line.stations.map((s) => opts.stationNames?.[s.name] ?? s.name),
        tickangle: -60,
      },
      yaxis: { title: { text: "LOS velocity (mm/yr)" } },
      legend: { orientation: "h", y: 1.08 },
      shapes,
    },
  };
}
