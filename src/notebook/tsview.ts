/**
 * MintPy's tsview.py in the browser: a map of points or pixels; clicking one shows its displacement
 * series beside the map with the least-squares linear fit and its σ, computed client-side.
 * The series do not travel inside the page: they are quantised to int16 with a scale and offset per
 * point (error ≤ scale/2 = range/131068) and written in chunks beside the report,
 * `<reports>/assets/<notebook>/<id>/chunk-NNNN.bin`, fetched by relative URL when a point of the chunk
 * is first clicked. Browsers refuse fetch() on file:// pages, so each chunk is also written as a small
 * script (`chunk-NNNN.js`, the same bytes in base64) that a page opened from disk loads instead.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { decimalYear, isoDate } from "../core/dates";
import { projectRoot, reportsDir } from "../core/project";
import { display, escapeHtml, plotlyScriptOnce } from "./display";
import { offlineMap, pointsLayer, type MapOptions } from "./map";

/** MIME type of a tsview output; the report renders its `html` (plotly.js is loaded once per page). */
export const TSVIEW_MIME = "application/vnd.dlab.tsview+json";

export interface TsviewInput {
  /** Names the output folder and the page elements: letters, digits, '-' and '_'. */
  id: string;
  lon: ArrayLike<number>;
  lat: ArrayLike<number>;
  /** Acquisition dates (YYYYMMDD or YYYY-MM-DD). */
  dates: string[];
  /** Displacement, point-major: series[i * dates.length + k] is point i at date k (NaN: missing). */
  series: ArrayLike<number>;
  /** Colours the map (e.g. velocity); default none. */
  values?: ArrayLike<number>;
  valueName?: string;
  valueUnit?: string;
  /** Unit of the displacement, e.g. "mm". */
  unit: string;
  title?: string;
  /** Points per chunk file (default 1024). */
  chunkSize?: number;
}

export interface TsviewOptions {
  /** Report folder the chunks go under (default: reportsDir(), which the runner points at its --out). */
  reportsDir?: string;
  /** Sub-folder per notebook (default: DLAB_NOTEBOOK, which the runner sets, else "interactive"). */
  notebook?: string;
  /**
   * URL of the chunk folder as the page sees it. Default: "assets/<notebook>/<id>/" under the runner
   * or when `notebook`/`reportsDir` is given (relative to the report page); otherwise, as in Jupyter,
   * "/files/reports/assets/interactive/<id>/".
   */
  baseUrl?: string;
  map?: MapOptions;
}

export interface TsviewManifest {
  id: string;
  points: number;
  dates: string[];
  /** Decimal years of the dates (MintPy's convention), the fit's abscissa. */
  years: number[];
  unit: string;
  chunkSize: number;
  chunks: number;
  base: string;
}

export interface TsviewBundle {
  manifest: TsviewManifest;
  /** Page fragment (no plotly.js): map, series panel and the script that wires them. */
  html: string;
  /** Folder the chunks were written to. */
  dir: string;
}

/** One chunk: per point [offset, scale] as float32, then int16 codes point-major; −32768 = NaN. */
export function encodeChunk(series: ArrayLike<number>, first: number, count: number, nDates: number): Buffer {
  const buf = Buffer.alloc(count * 8 + count * nDates * 2);
  const head = new Float32Array(buf.buffer, buf.byteOffset, count * 2);
  const codes = new Int16Array(buf.buffer, buf.byteOffset + count * 8, count * nDates);
  for (let p = 0; p < count; p++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < nDates; k++) {
      const v = series[(first + p) * nDates + k];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    const offset = Number.isFinite(lo) ? (lo + hi) / 2 : 0;
    const scale = hi > lo ? (hi - lo) / 65534 : 1;
    head[2 * p] = offset;
    head[2 * p + 1] = scale;
    // Decoding uses the float32 values actually stored, so encode against them too.
    const off32 = head[2 * p];
    const sc32 = head[2 * p + 1];
    for (let k = 0; k < nDates; k++) {
      const v = series[(first + p) * nDates + k];
      codes[p * nDates + k] = Number.isFinite(v) ? Math.max(-32767, Math.min(32767, Math.round((v - off32) / sc32))) : -32768;
    }
  }
  return buf;
}

/** The inverse of `encodeChunk` for point `p` of the chunk (what the page does). */
export function decodePoint(chunk: Uint8Array, count: number, nDates: number, p: number): Float64Array {
  const head = new Float32Array(chunk.buffer, chunk.byteOffset, count * 2);
  const codes = new Int16Array(chunk.buffer, chunk.byteOffset + count * 8 + p * nDates * 2, nDates);
  return Float64Array.from(codes, (c) => (c === -32768 ? NaN : head[2 * p] + c * head[2 * p + 1]));
}

const CLIENT = String.raw`
function dlabTsview(M, mapSpec, traceIndex) {
  var el = function (s) { return document.getElementById(M.id + "-" + s); };
  var chunks = {};
  window.dlabTsviewChunks = window.dlabTsviewChunks || {};
  function bytesOf(ci) {
    var name = M.base + "chunk-" + String(ci).padStart(4, "0");
    if (location.protocol !== "file:") return fetch(name + ".bin").then(function (r) { if (!r.ok) throw new Error(name + ".bin: HTTP " + r.status); return r.arrayBuffer(); });
    return new Promise(function (ok, bad) {
      var key = M.id + "/" + ci, s = document.createElement("script");
      s.src = name + ".js";
      s.onload = function () { var b = atob(window.dlabTsviewChunks[key]); var u = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); ok(u.buffer); };
      s.onerror = function () { bad(new Error(name + ".js could not be loaded")); };
      document.head.appendChild(s);
    });
  }
  function series(i) {
    var ci = Math.floor(i / M.chunkSize), p = i % M.chunkSize, n = Math.min(M.chunkSize, M.points - ci * M.chunkSize), D = M.dates.length;
    chunks[ci] = chunks[ci] || bytesOf(ci);
    return chunks[ci].then(function (buf) {
      var head = new Float32Array(buf, 0, 2 * n), q = new Int16Array(buf, 8 * n + p * D * 2, D), out = [];
      for (var k = 0; k < D; k++) out.push(q[k] === -32768 ? null : head[2 * p] + q[k] * head[2 * p + 1]);
      return out;
    });
  }
  function fit(t, y) {
    var n = 0, st = 0, sy = 0;
    for (var k = 0; k < t.length; k++) if (y[k] !== null) { n++; st += t[k]; sy += y[k]; }
    if (n < 3) return null;
    var tm = st / n, ym = sy / n, stt = 0, sty = 0;
    for (k = 0; k < t.length; k++) if (y[k] !== null) { stt += (t[k] - tm) * (t[k] - tm); sty += (t[k] - tm) * (y[k] - ym); }
    var b = sty / stt, a = ym - b * tm, ss = 0;
    for (k = 0; k < t.length; k++) if (y[k] !== null) { var r = y[k] - a - b * t[k]; ss += r * r; }
    var s = Math.sqrt(ss / (n - 2));
    return { a: a, b: b, sigma: s, sigmaB: s / Math.sqrt(stt), n: n };
  }
  function show(i) {
    el("info").textContent = "loading point " + i + "…";
    return series(i).then(function (y) {
      var f = fit(M.years, y), lon = mapSpec.data[traceIndex].lon[i], lat = mapSpec.data[traceIndex].lat[i];
      var traces = [{ type: "scatter", mode: "markers", name: "displacement", x: M.dates, y: y, marker: { size: 6 } }];
      if (f) {
        var line = M.years.map(function (t) { return f.a + f.b * t; });
        traces.push({ type: "scatter", mode: "lines", name: "linear fit", x: M.dates, y: line, line: { color: "#d62728" } });
        traces.push({ type: "scatter", mode: "lines", name: "fit ± σ", x: M.dates.concat(M.dates.slice().reverse()), y: line.map(function (v) { return v + f.sigma; }).concat(line.slice().reverse().map(function (v) { return v - f.sigma; })), fill: "toself", fillcolor: "rgba(214,39,40,0.12)", line: { width: 0 }, hoverinfo: "skip" });
      }
      var title = "point " + i + " (" + lon.toFixed(5) + "°E, " + lat.toFixed(5) + "°N)";
      Plotly.react(el("ts"), traces, { title: { text: title }, margin: { t: 40, l: 55, r: 10, b: 40 }, yaxis: { title: { text: "displacement (" + M.unit + ")" } }, showlegend: true, legend: { orientation: "h" } }, { displaylogo: false, responsive: true });
      el("info").textContent = f
        ? "velocity " + f.b.toFixed(2) + " ± " + f.sigmaB.toFixed(2) + " " + M.unit + "/yr · residual σ " + f.sigma.toFixed(2) + " " + M.unit + " · " + f.n + " dates"
        : "too few dates for a fit";
      el("root").dataset.selected = String(i);
      el("root").dataset.fit = f ? JSON.stringify(f) : "";
    }).catch(function (e) { el("info").textContent = "cannot load the series: " + e.message; console.error(e); });
  }
  var drawn = Plotly.newPlot(el("map"), mapSpec.data, mapSpec.layout, mapSpec.config);
  drawn.then(function (gd) {
    gd.on("plotly_click", function (ev) {
      var pt = ev.points.find(function (p) { return p.curveNumber === traceIndex; });
      if (pt) show(pt.pointNumber);
    });
  });
  el("root").dlabShow = show;
  el("root").dlabDrawn = drawn;
}`;

/**
 * Under the runner the page sits in the report folder, so the chunks are a relative URL away. In
 * Jupyter (`npm run jupyter` serves the project root) they are reached through its /files/ route.
 */
function defaultBase(notebook: string, id: string, dir: string, beside: boolean): string {
  if (beside) return `assets/${notebook}/${id}/`;
  return `/files/${relative(projectRoot(), dir).split("\\").join("/")}/`;
}

/** Writes the chunks and returns the page fragment; `tsview` also displays it. */
export function writeTsview(input: TsviewInput, opts: TsviewOptions = {}): TsviewBundle {
  const n = input.lon.length;
  const D = input.dates.length;
  if (!/^[\w-]+$/.test(input.id)) throw new Error(`tsview: id "${input.id}" must be letters, digits, '-' or '_'`);
  if (input.lat.length !== n) throw new Error(`tsview ${input.id}: ${n} longitudes but ${input.lat.length} latitudes`);
  if (input.series.length !== n * D) throw new Error(`tsview ${input.id}: series holds ${input.series.length} values, expected ${n} points × ${D} dates`);
  const notebook = opts.notebook ?? process.env.DLAB_NOTEBOOK ?? "interactive";
  const dir = join(opts.reportsDir ?? reportsDir(), "assets", notebook, input.id);
  const chunkSize = input.chunkSize ?? 1024;
  const chunks = Math.ceil(n / chunkSize);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let c = 0; c < chunks; c++) {
    const first = c * chunkSize;
    const bytes = encodeChunk(input.series, first, Math.min(chunkSize, n - first), D);
    const name = `chunk-${String(c).padStart(4, "0")}`;
    writeFileAtomic(join(dir, `${name}.bin`), bytes);
    writeFileAtomic(join(dir, `${name}.js`), `window.dlabTsviewChunks=window.dlabTsviewChunks||{};window.dlabTsviewChunks[${JSON.stringify(`${input.id}/${c}`)}]="${bytes.toString("base64")}";\n`);
  }
  const manifest: TsviewManifest = {
    id: input.id,
    points: n,
    dates: input.dates.map(isoDate),
    years: input.dates.map(decimalYear),
    unit: input.unit,
    chunkSize,
    chunks,
    base: opts.baseUrl ?? defaultBase(notebook, input.id, dir, Boolean(opts.notebook ?? opts.reportsDir ?? process.env.DLAB_NOTEBOOK)),
  };
  const map = offlineMap(
    [pointsLayer({ name: input.valueName ?? "points", lon: input.lon, lat: input.lat, values: input.values, unit: input.valueUnit })],
    { height: 480, width: 520, ...(opts.map ?? {}) },
  );
  const json = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c");
  const id = escapeHtml(input.id);
  const html =
    `<div id="${id}-root" class="dlab-tsview" data-dlab-plotly="1">` +
    (input.title ? `<div class="dlab-caption"><b>${escapeHtml(input.title)}</b></div>` : "") +
    `<div style="display:flex;flex-wrap:wrap;gap:8px"><div id="${id}-map" style="flex:1 1 520px;min-height:480px"></div>` +
    `<div style="flex:1 1 420px"><div id="${id}-ts" style="min-height:420px"></div>` +
    `<div id="${id}-info" class="dlab-caption">Click a point on the map to show its displacement series.</div></div></div></div>` +
    `<script>${CLIENT}\ndlabTsview(${json(manifest)}, ${json(map)}, 0);</script>`;
  return { manifest, html, dir };
}

/** Writes the chunks and shows the viewer (Jupyter: with plotly.js once; report: from TSVIEW_MIME). */
export function tsview(input: TsviewInput, opts: TsviewOptions = {}): TsviewBundle {
  const bundle = writeTsview(input, opts);
  display({
    [TSVIEW_MIME]: { id: input.id, html: bundle.html },
    "text/html": plotlyScriptOnce() + bundle.html,
    "text/plain": `[tsview ${input.id}: ${bundle.manifest.points} points × ${bundle.manifest.dates.length} dates, chunks in ${bundle.dir}]`,
  });
  return bundle;
}

/**
 * Pixels of a MintPy-style stack as tsview points: `stack` is either one array per date (as SbasResult.ts)
 * or one flat [dates, rows, cols] array (as the HDF5 `timeseries` dataset), row 0 north. `where` places a
 * pixel: [west, south, east, north] of a lon/lat grid's pixel edges (centres are used), or a function of
 * (row, col) for projected stacks (e.g. pixelLonLat of the stack's transform). Every `step`-th pixel with
 * at least one finite value is kept.
 */
export function pixelsOfStack(
  stack: ArrayLike<number> | ArrayLike<number>[],
  nDates: number,
  rows: number,
  cols: number,
  where: [number, number, number, number] | ((row: number, col: number) => [number, number]),
  step = 1,
): { lon: number[]; lat: number[]; series: Float64Array; pixels: [number, number][] } {
  const perDate = Array.isArray(stack) && typeof stack[0] !== "number";
  const at = perDate ? (k: number, px: number): number => (stack as ArrayLike<number>[])[k][px] : (k: number, px: number): number => (stack as ArrayLike<number>)[k * rows * cols + px];
  const place =
    typeof where === "function"
      ? where
      : (r: number, c: number): [number, number] => [where[0] + ((c + 0.5) * (where[2] - where[0])) / cols, where[3] - ((r + 0.5) * (where[3] - where[1])) / rows];
  const lon: number[] = [], lat: number[] = [], series: number[] = [], pixels: [number, number][] = [];
  for (let r = 0; r < rows; r += step) {
    for (let c = 0; c < cols; c += step) {
      const px = r * cols + c;
      let any = false;
      for (let k = 0; k < nDates && !any; k++) any = Number.isFinite(at(k, px));
      if (!any) continue;
      const [x, y] = place(r, c);
      lon.push(x);
      lat.push(y);
      for (let k = 0; k < nDates; k++) series.push(at(k, px));
      pixels.push([r, c]);
    }
  }
  return { lon, lat, series: Float64Array.from(series), pixels };
}
