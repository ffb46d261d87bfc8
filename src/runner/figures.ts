/**
 * Figures for manuscripts: every Plotly figure an executed notebook displays is also written as SVG
 * and 300-dpi PNG under reports/figures/, by Plotly.toImage in headless Chromium (offline: plotly.js
 * comes from the installed package). A figure is named by the `id` its notebook gave it
 * (`figure(spec, { id: "zigui-fig08" })`), else `<notebook>-fig<NN>` in display order.
 * reports/figures/figures.json lists id, caption, notebook, files, size and the data origin the
 * notebook stated. A figure whose spec is unchanged since the last export is not drawn again.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { writeFileAtomic } from "../core/atomic";
import { PLOTLY_MIME, plotlyBundlePath, type PlotlyFigure } from "../notebook/display";
import type { DataOrigin } from "../notebook/status";
import { browserUnavailable, launch } from "./chromium";
import type { Notebook } from "./notebook";

export const FIGURES_DIR = "figures";
export const DPI = 300;
/** CSS pixels per inch: Plotly sizes figures in CSS px, so a 700 px wide figure is 7.29 in at 300 dpi. */
const CSS_DPI = 96;
const DEFAULT_SIZE = { width: 700, height: 450 };

export interface FigureEntry {
  id: string;
  caption: string;
  notebook: string;
  /** Position among the notebook's figures, from 1. */
  index: number;
  svg?: string;
  png?: string;
  widthIn: number;
  heightIn: number;
  dpi: number;
  origin: { origin: DataOrigin; detail: string };
  /** SHA-256 of the Plotly spec the files were drawn from. */
  spec: string;
  /** Why the files are missing (no Chromium, or the export failed). */
  note?: string;
}

export interface FiguresIndex {
  generated: string;
  note?: string;
  figures: FigureEntry[];
}

export interface NotebookFigures {
  notebook: string;
  origin: { origin: DataOrigin; detail: string };
  executed: Notebook;
}

interface Found {
  entry: FigureEntry;
  fig: PlotlyFigure;
  width: number;
  height: number;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "figure";
}

/** The Plotly figures of an executed notebook, with their names and sizes. */
export function collectFigures(nb: NotebookFigures): Found[] {
  const out: Found[] = [];
  for (const c of nb.executed.cells) {
    if (c.cell_type !== "code") continue;
    for (const o of c.outputs) {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
      const spec = o.data[PLOTLY_MIME] as PlotlyFigure | undefined;
      if (!spec) continue;
      const index = out.length + 1;
      const id = typeof o.metadata.id === "string" ? slug(o.metadata.id) : `${slug(nb.notebook)}-fig${String(index).padStart(2, "0")}`;
      const layout = spec.layout ?? {};
      const width = typeof layout.width === "number" ? layout.width : DEFAULT_SIZE.width;
      const height = typeof layout.height === "number" ? layout.height : DEFAULT_SIZE.height;
      out.push({
        fig: spec,
        width,
        height,
        entry: {
          id,
          caption: typeof o.metadata.caption === "string" ? o.metadata.caption : "",
          notebook: nb.notebook,
          index,
          widthIn: Number((width / CSS_DPI).toFixed(3)),
          heightIn: Number((height / CSS_DPI).toFixed(3)),
          dpi: DPI,
          origin: nb.origin,
          spec: createHash("sha256").update(JSON.stringify(spec)).digest("hex"),
        },
      });
    }
  }
  return out;
}

/** Adds a pHYs chunk so image software reads the PNG as 300 dpi (Chromium writes none). */
export function setPngDpi(png: Buffer, dpi: number): Buffer {
  const sig = 8;
  if (png.length < 33 || png.toString("latin1", 12, 16) !== "IHDR") throw new Error("not a PNG");
  const ppm = Math.round(dpi / 0.0254);
  const data = Buffer.alloc(9);
  data.writeUInt32BE(ppm, 0);
  data.writeUInt32BE(ppm, 4);
  data[8] = 1; // unit: metre
  const type = Buffer.from("pHYs", "latin1");
  const chunk = Buffer.alloc(21);
  chunk.writeUInt32BE(9, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0, 17);
  const ihdrEnd = sig + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** The PNG's resolution from its pHYs chunk, in dots per inch (undefined without one). */
export function pngDpi(png: Buffer): number | undefined {
  let p = 8;
  while (p + 8 <= png.length) {
    const len = png.readUInt32BE(p);
    const type = png.toString("latin1", p + 4, p + 8);
    if (type === "pHYs" && png[p + 16] === 1) return Math.round(png.readUInt32BE(p + 8) * 0.0254);
    p += 12 + len;
  }
  return undefined;
}

function readIndex(file: string): FiguresIndex | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as FiguresIndex;
  } catch {
    return undefined;
  }
}

/**
 * Writes the figures of these notebooks under `<reportsDir>/figures/` and updates figures.json (the
 * entries of notebooks not in this run are kept). Returns the index and a line for the log.
 */
export async function exportFigures(reportsDir: string, notebooks: NotebookFigures[]): Promise<{ index: FiguresIndex; message: string }> {
  const dir = join(reportsDir, FIGURES_DIR);
  mkdirSync(dir, { recursive: true });
  const indexFile = join(dir, "figures.json");
  const previous = readIndex(indexFile);
  const done = new Map((previous?.figures ?? []).filter((f) => f.svg && f.png).map((f) => [`${f.notebook}/${f.id}`, f]));
  const ran = new Set(notebooks.map((n) => n.notebook));
  const kept = (previous?.figures ?? []).filter((f) => !ran.has(f.notebook));
  const found = notebooks.flatMap(collectFigures);
  // An id given twice (a figure drawn in a loop) gets -2, -3…, so no file overwrites another.
  const used = new Set(kept.map((f) => f.id));
  for (const f of found) {
    let id = f.entry.id;
    for (let k = 2; used.has(id); k++) id = `${f.entry.id}-${k}`;
    f.entry.id = id;
    used.add(id);
  }
  const todo = found.filter((f) => {
    const prev = done.get(`${f.entry.notebook}/${f.entry.id}`);
    return !(prev && prev.spec === f.entry.spec && existsSync(join(dir, prev.svg as string)) && existsSync(join(dir, prev.png as string)));
  });
  const unavailable = todo.length ? browserUnavailable() : undefined;
  for (const f of found) {
    if (!todo.includes(f)) Object.assign(f.entry, { svg: `${f.entry.id}.svg`, png: `${f.entry.id}.png` });
  }
  if (unavailable) {
    for (const f of todo) f.entry.note = `not exported: ${unavailable}`;
  } else if (todo.length) {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.setContent("<!doctype html><html><body></body></html>");
      await page.addScriptTag({ content: readFileSync(plotlyBundlePath(), "utf8") });
      for (const f of todo) {
        try {
          const images = await page.evaluate(
            async ({ fig, width, height, scale }) => {
              const P = (window as unknown as { Plotly: { toImage(f: unknown, o: object): Promise<string> } }).Plotly;
              // Buttons (a map's layer toggles) mean nothing on paper.
              const spec = { data: fig.data, layout: { ...(fig.layout ?? {}), updatemenus: [] }, config: { staticPlot: true } };
              const svg = await P.toImage(spec, { format: "svg", width, height });
              const png = await P.toImage(spec, { format: "png", width, height, scale });
              return { svg, png };
            },
            { fig: f.fig, width: f.width, height: f.height, scale: DPI / CSS_DPI },
          );
          const svg = decodeURIComponent(images.svg.slice(images.svg.indexOf(",") + 1));
          const png = setPngDpi(Buffer.from(images.png.slice(images.png.indexOf(",") + 1), "base64"), DPI);
          writeFileAtomic(join(dir, `${f.entry.id}.svg`), svg);
          writeFileAtomic(join(dir, `${f.entry.id}.png`), png);
          Object.assign(f.entry, { svg: `${f.entry.id}.svg`, png: `${f.entry.id}.png` });
        } catch (e) {
          f.entry.note = `export failed: ${(e as Error).message.split("\n")[0]}`;
        }
      }
    } finally {
      await browser.close();
    }
  }
  const figures = [...kept, ...found.map((f) => f.entry)].sort((a, b) => a.notebook.localeCompare(b.notebook) || a.index - b.index);
  const index: FiguresIndex = { generated: new Date().toISOString(), ...(unavailable ? { note: `figures not exported: ${unavailable}` } : {}), figures };
  writeFileAtomic(indexFile, JSON.stringify(index, null, 1) + "\n");
  const failed = found.filter((f) => f.entry.note).length;
  const message = unavailable
    ? `figures: ${todo.length} not exported (${unavailable})`
    : `figures: ${found.length - todo.length} unchanged, ${todo.length - failed} exported${failed ? `, ${failed} failed (see figures.json)` : ""} → ${FIGURES_DIR}/`;
  return { index, message };
}
