/**
 * Rich output for notebooks: tables, Plotly figures, markdown and the paper-vs-run comparisons that
 * every reproduced table and figure carries. The same calls render in Jupyter (tslab kernel) and in the
 * HTML reports of `npm run reproduce`; outside a kernel they fall back to plain text on stdout.
 *
 * Output goes through tslab's process-wide `lastWriteDisplayData`, which both the Jupyter kernel and
 * the headless runner set before each cell, so one bundle can carry several MIME types at once
 * (tslab's public `display` API sends one type per call).
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../core/project";

export type MimeBundle = Record<string, unknown>;

/** MIME type of a figure's Plotly spec (JupyterLab renders it natively; the report uses it). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/** MIME type of a paper-vs-run comparison; the runner collects these into the report index. */
export const COMPARISON_MIME = "application/vnd.dlab.paper-vs-run+json";

interface DisplayData {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}
type Writer = (data: DisplayData, update: boolean) => void;

function kernelWriter(): Writer | null {
  try {
    const req = createRequire(join(projectRoot(), "package.json"));
    const jupyter = req("tslab/dist/jupyter") as { lastWriteDisplayData: Writer | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** Sends one display bundle; without a kernel prints its text/plain part. */
export function display(bundle: MimeBundle, metadata: Record<string, unknown> = {}): void {
  const writer = kernelWriter();
  if (writer) {
    writer({ data: bundle, metadata, transient: {} }, false);
    return;
  }
  const text = bundle["text/plain"];
  if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function markdown(md: string): void {
  display({ "text/markdown": md, "text/plain": md });
}

export function html(fragment: string, plain = ""): void {
  display({ "text/html": fragment, "text/plain": plain || fragment.replace(/<[^>]+>/g, "") });
}

// ---------------------------------------------------------------- tables

export type Cell = string | number | boolean | null | undefined | Date;
export type Row = Record<string, Cell>;

/**
 * Anything with rows: an array of plain objects (interfaces included), or a dataframe-like object
 * (arquero's `objects()`). Values that are not cells (arrays, nested objects) print as JSON.
 */
export type TableLike = readonly object[] | { objects(): object[] };

export interface TableOptions {
  caption?: string;
  /** Column order and subset; default: keys of the first row, then any new keys in order seen. */
  columns?: string[];
  /** Significant decimals for non-integer numbers (default 4). */
  digits?: number;
  /** Rows shown at most (default 200); the caption says how many were left out. */
  maxRows?: number;
}

export function toRows(t: TableLike): Row[] {
  const rows = Array.isArray(t) ? (t as object[]) : (t as { objects(): object[] }).objects();
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      out[k] =
        v === null || v === undefined || typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v instanceof Date
          ? (v as Cell)
          : ArrayBuffer.isView(v)
            ? `[${(v as unknown as ArrayLike<number>).length} values]`
            : JSON.stringify(v);
    }
    return out;
  });
}

export function formatCell(v: Cell, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(digits - 1);
    return String(Number(v.toFixed(digits)));
  }
  return String(v);
}

export function tableColumns(rows: readonly Row[], columns?: string[]): string[] {
  if (columns) return columns;
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function tableHtml(t: TableLike, opts: TableOptions = {}): string {
  const rows = toRows(t);
  const cols = tableColumns(rows, opts.columns);
  const max = opts.maxRows ?? 200;
  const shown = rows.slice(0, max);
  const caption =
    (opts.caption ? escapeHtml(opts.caption) : "") +
    (rows.length > max ? ` (first ${max} of ${rows.length} rows)` : "");
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map(
      (r) =>
        "<tr>" +
        cols
          .map((c) => {
            const v = r[c];
            const cls = typeof v === "number" ? ' class="num"' : "";
            return `<td${cls}>${escapeHtml(formatCell(v, opts.digits))}</td>`;
          })
          .join("") +
        "</tr>",
    )
    .join("");
  return (
    `<table class="dlab-table">` +
    (caption ? `<caption>${caption}</caption>` : "") +
    `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
  );
}

export function tableText(t: TableLike, opts: TableOptions = {}): string {
  const rows = toRows(t).slice(0, opts.maxRows ?? 200);
  const cols = tableColumns(rows, opts.columns);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c], opts.digits)));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  const out = [line(cols), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  if (opts.caption) out.unshift(opts.caption);
  return out.join("\n");
}

export function table(t: TableLike, opts: TableOptions = {}): void {
  display({ "text/html": tableHtml(t, opts), "text/plain": tableText(t, opts) });
}

// ---------------------------------------------------------------- figures

export interface PlotlyFigure {
  data: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlyEmbedded = false;
let figureCounter = 0;

/** Forget that plotly.js was already sent (the runner calls this for each new notebook). */
export function resetFigureState(): void {
  plotlyEmbedded = false;
}

export function plotlyBundlePath(): string {
  const req = createRequire(join(projectRoot(), "package.json"));
  return req.resolve("plotly.js-dist-min/plotly.min.js");
}

/**
 * plotly.js as a script tag the first time a session asks (Jupyter keeps it for later outputs), then
 * nothing. For outputs that draw with Plotly through their own HTML (src/notebook/tsview.ts).
 */
export function plotlyScriptOnce(): string {
  if (plotlyEmbedded) return "";
  plotlyEmbedded = true;
  return `<script type="text/javascript">${readFileSync(plotlyBundlePath(), "utf8")}</script>`;
}

/**
 * A Plotly figure. Jupyter gets HTML that draws it offline: the first figure of a session carries
 * plotly.js itself (from the installed package, no CDN); JupyterLab with the Plotly extension and the
 * HTML report use the `application/vnd.plotly.v1+json` part instead.
 */
export interface FigureOptions {
  caption?: string;
  /**
   * The paper's name for the figure, e.g. "zigui-fig08": the runner also writes it as
   * reports/figures/<id>.svg and .png for manuscripts (figures without one are named by notebook and order).
   */
  id?: string;
}

export function figure(fig: PlotlyFigure, opts: FigureOptions = {}): void {
  const id = `dlab-fig-${process.pid}-${++figureCounter}`;
  const spec = {
    data: fig.data,
    layout: { ...(fig.layout ?? {}) },
    config: { responsive: true, displaylogo: false, ...(fig.config ?? {}) },
  };
  const lib = plotlyScriptOnce();
  const json = JSON.stringify(spec).replace(/</g, "\\u003c");
  const caption = opts.caption ? `<div class="dlab-caption">${escapeHtml(opts.caption)}</div>` : "";
  const htmlOut =
    `${lib}<div id="${id}" class="dlab-figure" style="width:100%;min-height:420px"></div>${caption}` +
    `<script type="text/javascript">(function(){var s=${json};` +
    `Plotly.newPlot(${JSON.stringify(id)},s.data,s.layout,s.config);})();</script>`;
  const title =
    typeof spec.layout.title === "string"
      ? spec.layout.title
      : ((spec.layout.title as { text?: string } | undefined)?.text ?? "figure");
  display(
    { [PLOTLY_MIME]: spec, "text/html": htmlOut, "text/plain": `[Plotly figure: ${title}]` },
    { ...(opts.caption ? { caption: opts.caption } : {}), ...(opts.id ? { id: opts.id } : {}) },
  );
}

// ---------------------------------------------------------------- paper vs run

export interface PaperValue {
  /** What is compared, e.g. "precision", "landslides 10–20 km". */
  quantity: string;
  /** The value the paper reports (number or text such as "≈20 epochs"). */
  paper: number | string;
  /** This run's value. */
  run: number | string;
  unit?: string;
  note?: string;
  /**
   * What the run value rests on: real data, simulated data, or a simulator planted to match the paper
   * (then agreement is circular and says only that the method recovers what was planted).
   * Default: the comparison's origin.
   */
  origin?: ComparisonOrigin;
  /** Absolute tolerance for "agrees" (same unit); default 10 % of |paper|. */
  tolerance?: number;
}

export type ComparisonOrigin = "real" | "simulated" | "planted";

export interface Comparison {
  /** The paper item, e.g. "Zigui Table 3", "Foshan Fig 3". */
  item: string;
  rows: PaperValue[];
  /** Default origin of the rows (from the data profile when not given). */
  origin?: ComparisonOrigin;
}

/** The verdict of one row: agrees within a stated tolerance, differs, circular (planted), or not comparable. */
export function verdict(r: PaperValue, origin: ComparisonOrigin): string {
  if (typeof r.paper !== "number" || typeof r.run !== "number" || !Number.isFinite(r.run) || !Number.isFinite(r.paper)) {
    return "not comparable (text or missing value)";
  }
  const tol = r.tolerance ?? 0.1 * Math.abs(r.paper);
  const agrees = Math.abs(r.run - r.paper) <= tol;
  if (origin === "planted") return `circular: the simulator planted the paper's value${agrees ? "" : " (and the run still differs)"}`;
  return `${agrees ? "agrees" : "differs"} (tolerance ±${formatCell(tol, 3)})`;
}

export function comparisonRows(c: Comparison, digits = 4): Row[] {
  return c.rows.map((r) => {
    const diff =
      typeof r.paper === "number" && typeof r.run === "number" && Number.isFinite(r.run)
        ? r.run - r.paper
        : undefined;
    const origin = r.origin ?? c.origin ?? defaultOrigin();
    return {
      quantity: r.quantity,
      paper: typeof r.paper === "number" ? formatCell(r.paper, digits) : r.paper,
      "this run": typeof r.run === "number" ? formatCell(r.run, digits) : r.run,
      "run − paper": diff === undefined ? "" : formatCell(diff, digits),
      unit: r.unit ?? "",
      "data origin": origin,
      verdict: verdict(r, origin),
      note: r.note ?? "",
    };
  });
}

function defaultOrigin(): ComparisonOrigin {
  return (process.env.DLAB_PROFILE ?? "sample") === "sample" ? "simulated" : "real";
}

/**
 * Shows the paper's reported values beside this run's. Reported values are facts to compare against,
 * never constants to print: `run` must come from this run's computation.
 */
export function paperVsRun(item: string, rows: PaperValue[], opts: { origin?: ComparisonOrigin } = {}): void {
  const c: Comparison = { item, rows, origin: opts.origin ?? defaultOrigin() };
  const t = comparisonRows(c);
  display({
    [COMPARISON_MIME]: c,
    "text/html": tableHtml(t, { caption: `${item}: paper vs this run` }),
    "text/plain": tableText(t, { caption: `${item}: paper vs this run` }),
  });
}
