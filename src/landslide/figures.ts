/**
 * Plotly specs for the Zigui landslide figures (Fig 2 feature panels, Fig 5 map, Fig 6 inventory panels,
 * Fig 7 curves, Table 3 bars). Rasters are block-averaged to a few hundred pixels a side and rounded, so
 * a notebook's HTML report stays a few MB while the full-resolution data go to GeoTIFF outputs.
 */
import type { PlotlyFigure } from "../notebook/display";
import type { FrequencyCurve, BinRow } from "./binning";
import { componentBoxes, connectedComponents, traceRings, type LandslideCollection } from "./polygons";

/** Block-averages a raster (NaN ignored) so that its larger side is at most `maxSide`; rows top first. */
export function downsample(
  plane: ArrayLike<number>,
  width: number,
  height: number,
  maxSide = 256,
  digits = 3,
): { z: (number | null)[][]; factor: number; width: number; height: number } {
  const f = Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
  const w = Math.ceil(width / f);
  const h = Math.ceil(height / f);
  const scale = 10 ** digits;
  const z: (number | null)[][] = [];
  for (let by = 0; by < h; by++) {
    const row: (number | null)[] = [];
    for (let bx = 0; bx < w; bx++) {
      let s = 0;
      let n = 0;
      for (let y = by * f; y < Math.min(height, (by + 1) * f); y++) {
        for (let x = bx * f; x < Math.min(width, (bx + 1) * f); x++) {
          const v = plane[y * width + x];
          if (Number.isFinite(v)) {
            s += v;
            n++;
          }
        }
      }
      row.push(n ? Math.round((s / n) * scale) / scale : null);
    }
    z.push(row);
  }
  return { z, factor: f, width: w, height: h };
}

/** Outlines of a mask's regions as one polyline set (null-separated) in downsampled heatmap cells. */
export function outlineLines(mask: ArrayLike<number>, width: number, height: number, factor: number): { x: (number | null)[]; y: (number | null)[] } {
  const cc = connectedComponents(mask, width, height, 8);
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  const r = (v: number): number => Math.round((v / factor - 0.5) * 100) / 100;
  const boxes = componentBoxes(cc, width);
  for (let id = 1; id <= cc.count; id++) {
    for (const ring of traceRings(cc.labels, width, height, id, 8, boxes[id])) {
      for (const [px, py] of ring) {
        x.push(r(px));
        y.push(r(py));
      }
      x.push(r(ring[0][0]), null);
      y.push(r(ring[0][1]), null);
    }
  }
  return { x, y };
}

/** Grid of heatmap panels (Fig 2), one per plane, each with its own colour scale. */
export function panelsFigure(
  planes: ArrayLike<number>[],
  titles: string[],
  width: number,
  height: number,
  opts: { columns?: number; maxSide?: number; title?: string; colorscale?: string; outline?: Uint8Array } = {},
): PlotlyFigure {
  const cols = opts.columns ?? 4;
  const rows = Math.ceil(planes.length / cols);
  const data: unknown[] = [];
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "" },
    grid: { rows, columns: cols, pattern: "independent" },
    height: Math.round(rows * 260 * Math.min(1.2, Math.max(0.6, height / width)) + 80),
    margin: { l: 20, r: 20, t: 60, b: 20 },
    annotations: [] as unknown[],
  };
  const ann = layout.annotations as unknown[];
  const maxSide = opts.maxSide ?? 192;
  const outline = opts.outline ? outlineLines(opts.outline, width, height, Math.max(1, Math.ceil(Math.max(width, height) / maxSide))) : undefined;
  planes.forEach((p, k) => {
    const d = downsample(p, width, height, maxSide, 2);
    const ax = k === 0 ? "" : String(k + 1);
    data.push({
      type: "heatmap",
      z: d.z,
      xaxis: `x${ax}`,
      yaxis: `y${ax}`,
      colorscale: opts.colorscale ?? "Viridis",
      showscale: false,
      hovertemplate: `${titles[k]}: %{z}<extra></extra>`,
    });
    if (outline) {
      data.push({
        type: "scatter",
        mode: "lines",
        x: outline.x,
        y: outline.y,
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        line: { color: "red", width: 1 },
        showlegend: false,
        hoverinfo: "skip",
      });
    }
    layout[`xaxis${ax}`] = { visible: false };
    layout[`yaxis${ax}`] = { visible: false, autorange: "reversed", scaleanchor: `x${ax}` };
    ann.push({
      text: titles[k],
      xref: `x${ax} domain`,
      yref: `y${ax} domain`,
      x: 0.5,
      y: 1.08,
      showarrow: false,
      font: { size: 11 },
    });
  });
  return { data, layout };
}

/** Fig 5: landslide polygons (and optional reference layers) on a lon/lat map. */
export function landslideMap(
  layers: Array<{ name: string; fc: LandslideCollection | { features: Array<{ geometry: { type: string; coordinates: unknown } }> }; color: string; fill?: boolean }>,
  opts: { title?: string; points?: Array<{ name: string; lon: number; lat: number; symbol?: string }> } = {},
): PlotlyFigure {
  const data: unknown[] = [];
  for (const layer of layers) {
    const xs: (number | null)[] = [];
    const ys: (number | null)[] = [];
    for (const f of layer.fc.features) {
      const g = f.geometry;
      const lines =
        g.type === "Polygon"
          ? (g.coordinates as number[][][])
          : g.type === "MultiPolygon"
            ? (g.coordinates as number[][][][]).flat(1)
          : g.type === "LineString"
            ? [g.coordinates as number[][]]
            : g.type === "MultiLineString"
              ? (g.coordinates as number[][][])
              : [];
      for (const ring of lines) {
        for (const [x, y] of ring) {
          xs.push(Math.round(x * 1e6) / 1e6);
          ys.push(Math.round(y * 1e6) / 1e6);
        }
        xs.push(null);
        ys.push(null);
      }
    }
    data.push({
      type: "scatter",
      mode: "lines",
      x: xs,
      y: ys,
      name: layer.name,
      line: { color: layer.color, width: 1 },
      fill: layer.fill ? "toself" : "none",
      fillcolor: layer.fill ? layer.color : undefined,
      hoverinfo: "name",
    });
  }
  for (const p of opts.points ?? []) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      x: [p.lon],
      y: [p.lat],
      name: p.name,
      text: [p.name],
      textposition: "top center",
      marker: { symbol: p.symbol ?? "triangle-up", size: 10, color: "red" },
    });
  }
  return {
    data,
    layout: {
      title: { text: opts.title ?? "" },
      xaxis: { title: { text: "longitude (°E)" } },
      yaxis: { title: { text: "latitude (°N)" }, scaleanchor: "x", scaleratio: 1 / Math.cos((31 * Math.PI) / 180) },
      height: 520,
    },
  };
}

/** Fig 7: one panel per factor, frequency (landslides per bin) against the factor value. */
export function frequencyFigure(curves: FrequencyCurve[], labels: Record<string, string>, compare?: FrequencyCurve[]): PlotlyFigure {
  const cols = 3;
  const rows = Math.ceil(curves.length / cols);
  const data: unknown[] = [];
  const layout: Record<string, unknown> = { grid: { rows, columns: cols, pattern: "independent" }, height: 300 * rows + 60, showlegend: !!compare };
  curves.forEach((c, k) => {
    const ax = k === 0 ? "" : String(k + 1);
    data.push({ type: "scatter", mode: "lines+markers", x: c.x, y: c.count, xaxis: `x${ax}`, yaxis: `y${ax}`, name: "identified", line: { color: "#1f77b4" }, showlegend: k === 0 });
    if (compare?.[k]) {
      data.push({ type: "scatter", mode: "lines", x: compare[k].x, y: compare[k].count, xaxis: `x${ax}`, yaxis: `y${ax}`, name: "truth", line: { color: "#999", dash: "dot" }, showlegend: k === 0 });
    }
    layout[`xaxis${ax}`] = { title: { text: labels[c.factor] ?? c.factor } };
    layout[`yaxis${ax}`] = { title: { text: "frequency" } };
  });
  return { data, layout };
}

/** Table 3 as bars: this run beside the paper's counts scaled to this run's total. */
export function table3Figure(rows: BinRow[], paperCounts: readonly number[], truthCounts?: number[]): PlotlyFigure {
  const x = rows.map((r) => r.bin + " km");
  const total = rows.reduce((s, r) => s + r.count, 0);
  const paperTotal = paperCounts.reduce((s, v) => s + v, 0);
  const data: unknown[] = [
    { type: "bar", x, y: rows.map((r) => r.count), name: "this run" },
    { type: "bar", x, y: paperCounts.map((c) => Math.round(((c * total) / paperTotal) * 10) / 10), name: `paper, scaled to ${total}` },
  ];
  if (truthCounts) data.push({ type: "bar", x, y: truthCounts, name: "planted truth" });
  return { data, layout: { barmode: "group", xaxis: { title: { text: "distance to the Three Gorges Dam" } }, yaxis: { title: { text: "landslides" } } } };
}
