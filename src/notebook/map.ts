/**
 * Offline maps: Plotly 3 `scattermap` figures (MapLibre) whose style is embedded and minimal, a
 * background and the project's own layers, with no tile or glyph URL unless a basemap is asked for,
 * so they draw in Jupyter (`figure(offlineMap(...))`) and in the HTML report without network.
 * Layers: a raster image with its colourbar (velocity), points with hover values (PS), polygons
 * (landslides, buffers), lines (subway, rivers) and markers (dam, surveyed sites). Every vector layer
 * is a trace, toggled from the legend; a raster layer is toggled by a button above the map.
 */
import { quantile } from "../core/stats";
import { colourImage, encodePng, plotlyColorscale, VELOCITY_STOPS, type ColourStops } from "./colormap";
import type { PlotlyFigure } from "./display";

export type LonLat = [number, number];

/** A raster on a regular lon/lat grid, row 0 at the north edge. */
export interface RasterLayerOptions {
  name: string;
  values: ArrayLike<number>;
  width: number;
  height: number;
  /** [west, south, east, north] in degrees (pixel edges). */
  bounds: [number, number, number, number];
  unit?: string;
  /** Colour range; default the 2nd–98th percentile, symmetric about 0 for the velocity scale. */
  range?: [number, number];
  stops?: ColourStops;
  opacity?: number;
}

export interface PointsLayerOptions {
  name: string;
  lon: ArrayLike<number>;
  lat: ArrayLike<number>;
  /** Coloured by these values (with a colourbar) when given. */
  values?: ArrayLike<number>;
  unit?: string;
  /** Hover label per point (default: the value with its unit). */
  text?: string[];
  range?: [number, number];
  stops?: ColourStops;
  size?: number;
  color?: string;
}

export interface PolygonsLayerOptions {
  name: string;
  /** Each polygon as its rings (outer first); only the outer ring is drawn and filled. */
  polygons: LonLat[][][];
  text?: string[];
  color?: string;
  fillOpacity?: number;
}

export interface LinesLayerOptions {
  name: string;
  lines: LonLat[][];
  color?: string;
  width?: number;
  text?: string[];
}

export interface MarkersLayerOptions {
  name: string;
  points: { lon: number; lat: number; label: string }[];
  color?: string;
  size?: number;
}

export type MapLayer =
  | ({ kind: "raster" } & RasterLayerOptions)
  | ({ kind: "points" } & PointsLayerOptions)
  | ({ kind: "polygons" } & PolygonsLayerOptions)
  | ({ kind: "lines" } & LinesLayerOptions)
  | ({ kind: "markers" } & MarkersLayerOptions);

export const rasterLayer = (o: RasterLayerOptions): MapLayer => ({ kind: "raster", ...o });
export const pointsLayer = (o: PointsLayerOptions): MapLayer => ({ kind: "points", ...o });
export const polygonsLayer = (o: PolygonsLayerOptions): MapLayer => ({ kind: "polygons", ...o });
export const linesLayer = (o: LinesLayerOptions): MapLayer => ({ kind: "lines", ...o });
export const markersLayer = (o: MarkersLayerOptions): MapLayer => ({ kind: "markers", ...o });

/** Polygon and MultiPolygon features of a GeoJSON collection, as `polygonsLayer` wants them. */
export function geojsonPolygons(fc: { features: { geometry: { type: string; coordinates: unknown } | null }[] }): LonLat[][][] {
  const out: LonLat[][][] = [];
  for (const f of fc.features) {
    if (!f.geometry) continue;
    if (f.geometry.type === "Polygon") out.push(f.geometry.coordinates as LonLat[][]);
    else if (f.geometry.type === "MultiPolygon") out.push(...(f.geometry.coordinates as LonLat[][][]));
  }
  return out;
}

/** LineString and MultiLineString features of a GeoJSON collection, as `linesLayer` wants them. */
export function geojsonLines(fc: { features: { geometry: { type: string; coordinates: unknown } | null }[] }): LonLat[][] {
  const out: LonLat[][] = [];
  for (const f of fc.features) {
    if (!f.geometry) continue;
    if (f.geometry.type === "LineString") out.push(f.geometry.coordinates as LonLat[]);
    else if (f.geometry.type === "MultiLineString") out.push(...(f.geometry.coordinates as LonLat[][]));
  }
  return out;
}

export type Basemap =
  /** XYZ raster tiles, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (needs network). */
  { kind: "raster-tiles"; url: string; attribution: string };

export interface MapOptions {
  title?: string;
  /** Default: fitted to the layers. */
  center?: { lon: number; lat: number };
  zoom?: number;
  height?: number;
  width?: number;
  /** None by default: the map is offline. */
  basemap?: Basemap;
  background?: string;
}

function autoRange(values: ArrayLike<number>, stops: ColourStops): [number, number] {
  const lo = quantile(values, 0.02);
  const hi = quantile(values, 0.98);
  if (stops === VELOCITY_STOPS && lo < 0 && hi > 0) {
    const m = Math.max(-lo, hi);
    return [-m, m];
  }
  return [lo, hi];
}

const fmt = (v: number): string => (Number.isFinite(v) ? String(Number(v.toFixed(2))) : "NaN");

/** The MapLibre style: a background, the optional basemap, and raster layers as image sources. */
export function offlineStyle(background: string, basemap: Basemap | undefined): Record<string, unknown> {
  const sources: Record<string, unknown> = {};
  const layers: Record<string, unknown>[] = [{ id: "background", type: "background", paint: { "background-color": background } }];
  if (basemap) {
    sources.basemap = { type: "raster", tiles: [basemap.url], tileSize: 256, attribution: basemap.attribution };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  return { version: 8, name: "deformation-lab offline", sources, layers };
}

function extentOf(layers: MapLayer[]): [number, number, number, number] {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const add = (lon: number, lat: number): void => {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return;
    w = Math.min(w, lon); e = Math.max(e, lon); s = Math.min(s, lat); n = Math.max(n, lat);
  };
  for (const l of layers) {
    if (l.kind === "raster") { add(l.bounds[0], l.bounds[1]); add(l.bounds[2], l.bounds[3]); }
    else if (l.kind === "points") for (let i = 0; i < l.lon.length; i++) add(l.lon[i], l.lat[i]);
    else if (l.kind === "polygons") for (const p of l.polygons) for (const [x, y] of p[0] ?? []) add(x, y);
    else if (l.kind === "lines") for (const line of l.lines) for (const [x, y] of line) add(x, y);
    else for (const m of l.points) add(m.lon, m.lat);
  }
  return Number.isFinite(w) ? [w, s, e, n] : [0, 0, 0, 0];
}

/** MapLibre zoom that fits the extent in a width×height viewport (512-px world at zoom 0, Web Mercator). */
export function fitZoom(ext: [number, number, number, number], width: number, height: number): number {
  const merc = (lat: number): number => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const dx = Math.max((ext[2] - ext[0]) / 360, 1e-6);
  const dy = Math.max((merc(ext[3]) - merc(ext[1])) / (2 * Math.PI), 1e-6);
  return Math.max(0, Math.min(18, Math.log2(Math.min(width / (512 * dx), height / (512 * dy))) - 0.2));
}

/** Traces and layout of an offline map; show it with `figure(offlineMap(layers), { caption, id })`. */
export function offlineMap(layers: MapLayer[], opts: MapOptions = {}): PlotlyFigure {
  const width = opts.width ?? 760;
  const height = opts.height ?? 560;
  const data: Record<string, unknown>[] = [];
  const imageLayers: Record<string, unknown>[] = [];
  const buttons: Record<string, unknown>[] = [];
  let bars = 0;
  const colourbar = (title: string): Record<string, unknown> => ({ title: { text: title }, x: 1.02 + 0.12 * bars++, len: 0.8 });
  for (const l of layers) {
    if (l.kind === "raster") {
      const stops = l.stops ?? VELOCITY_STOPS;
      const [lo, hi] = l.range ?? autoRange(l.values, stops);
      const png = encodePng(colourImage(l.values, l.width, l.height, stops, lo, hi), l.width, l.height);
      const [w, s, e, n] = l.bounds;
      const index = imageLayers.length;
      imageLayers.push({
        sourcetype: "image",
        source: `data:image/png;base64,${png.toString("base64")}`,
        coordinates: [[w, n], [e, n], [e, s], [w, s]],
        opacity: l.opacity ?? 0.85,
        below: "traces",
        name: l.name,
        visible: true,
      });
      // The colourbar: one transparent point carrying the image's scale.
      data.push({
        type: "scattermap", name: `${l.name} (colour scale)`, lon: [(w + e) / 2], lat: [(s + n) / 2], mode: "markers", hoverinfo: "skip", showlegend: false,
        marker: { size: 1, opacity: 0, color: [lo], cmin: lo, cmax: hi, colorscale: plotlyColorscale(stops), showscale: true, colorbar: colourbar(`${l.name}${l.unit ? ` (${l.unit})` : ""}`) },
      });
      buttons.push(
        { label: `${l.name}: on`, method: "relayout", args: [{ [`map.layers[${index}].visible`]: true }] },
        { label: `${l.name}: off`, method: "relayout", args: [{ [`map.layers[${index}].visible`]: false }] },
      );
    } else if (l.kind === "points") {
      const values = l.values ? Array.from(l.values) : undefined;
      const stops = l.stops ?? VELOCITY_STOPS;
      const range = values ? (l.range ?? autoRange(values, stops)) : undefined;
      data.push({
        type: "scattermap", name: l.name, mode: "markers", lon: Array.from(l.lon), lat: Array.from(l.lat),
        text: l.text ?? values?.map((v) => `${fmt(v)}${l.unit ? ` ${l.unit}` : ""}`),
        hovertemplate: "%{text}<br>%{lon:.5f}°E %{lat:.5f}°N<extra>" + l.name + "</extra>",
        marker: values && range
          ? { size: l.size ?? 6, color: values, cmin: range[0], cmax: range[1], colorscale: plotlyColorscale(stops), showscale: true, colorbar: colourbar(`${l.name}${l.unit ? ` (${l.unit})` : ""}`) }
          : { size: l.size ?? 6, color: l.color ?? "#1f5fa8" },
      });
    } else if (l.kind === "polygons") {
      const lon: (number | null)[] = [], lat: (number | null)[] = [], text: (string | null)[] = [];
      l.polygons.forEach((p, i) => {
        for (const [x, y] of p[0] ?? []) { lon.push(x); lat.push(y); text.push(l.text?.[i] ?? l.name); }
        lon.push(null); lat.push(null); text.push(null);
      });
      data.push({ type: "scattermap", name: l.name, mode: "lines", fill: "toself", fillcolor: withAlpha(l.color ?? "#d62728", l.fillOpacity ?? 0.25), line: { color: l.color ?? "#d62728", width: 1.5 }, lon, lat, text, hoverinfo: "text" });
    } else if (l.kind === "lines") {
      const lon: (number | null)[] = [], lat: (number | null)[] = [], text: (string | null)[] = [];
      l.lines.forEach((line, i) => {
        for (const [x, y] of line) { lon.push(x); lat.push(y); text.push(l.text?.[i] ?? l.name); }
        lon.push(null); lat.push(null); text.push(null);
      });
      data.push({ type: "scattermap", name: l.name, mode: "lines", line: { color: l.color ?? "#333", width: l.width ?? 2 }, lon, lat, text, hoverinfo: "text" });
    } else {
      data.push({
        type: "scattermap", name: l.name, mode: "markers", lon: l.points.map((p) => p.lon), lat: l.points.map((p) => p.lat),
        text: l.points.map((p) => p.label), hoverinfo: "text", marker: { size: l.size ?? 12, color: l.color ?? "#000" },
      });
    }
  }
  const ext = extentOf(layers);
  const center = opts.center ?? { lon: (ext[0] + ext[2]) / 2, lat: (ext[1] + ext[3]) / 2 };
  const layout: Record<string, unknown> = {
    width, height,
    margin: { l: 10, r: 10, t: opts.title ? 40 : 10, b: 10 },
    map: { style: offlineStyle(opts.background ?? "#eef0ec", opts.basemap), center, zoom: opts.zoom ?? fitZoom(ext, width, height), layers: imageLayers },
    legend: { x: 0, y: 1, bgcolor: "rgba(255,255,255,0.8)" },
    ...(opts.title ? { title: { text: opts.title } } : {}),
    ...(buttons.length ? { updatemenus: [{ type: "buttons", direction: "right", x: 1, xanchor: "right", y: 1.0, yanchor: "bottom", buttons, showactive: false }] } : {}),
  };
  return { data, layout, config: { scrollZoom: true } };
}

function withAlpha(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) return colour;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}
