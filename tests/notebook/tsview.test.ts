/**
 * tsview in the browser: an HDF5 time-series stack written by src/io/hdf5.ts is read back, turned into
 * quantised chunks beside a page, and two clicks on the map must plot those pixels' series (within the
 * quantisation step) with the least-squares fit of the source values.
 */
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readH5, writeH5 } from "../../src/io/hdf5";
import { decimalYear } from "../../src/core/dates";
import { decodePoint, encodeChunk, pixelsOfStack, writeTsview } from "../../src/notebook/tsview";
import { pageHtml, writePlotlyBeside } from "../../src/runner/html";
import { launch, skipBrowser } from "../helpers/browser";

const ROWS = 6, COLS = 8, D = 12;
const BOUNDS: [number, number, number, number] = [110.6, 30.8, 110.9, 31.0];
const DATES = Array.from({ length: D }, (_, k) => `2018${String(1 + k).padStart(2, "0")}15`);

/** Planted: pixel (r, c) subsides at −(r + c) mm/yr with a ±1.5 mm wiggle; pixel (0, 0) is masked. */
function stack(): Float32Array {
  const t = DATES.map((d) => decimalYear(d) - decimalYear(DATES[0]));
  const s = new Float32Array(D * ROWS * COLS);
  for (let k = 0; k < D; k++)
    for (let r = 0; r < ROWS; r++)
      for (let c = 0; c < COLS; c++) s[k * ROWS * COLS + r * COLS + c] = r === 0 && c === 0 ? NaN : -(r + c) * t[k] + 1.5 * Math.sin(3 * k + r - c);
  return s;
}

function leastSquares(t: number[], y: number[]): { b: number; sigma: number } {
  const n = t.length, tm = t.reduce((a, b) => a + b) / n, ym = y.reduce((a, b) => a + b) / n;
  let stt = 0, sty = 0;
  for (let k = 0; k < n; k++) { stt += (t[k] - tm) ** 2; sty += (t[k] - tm) * (y[k] - ym); }
  const b = sty / stt, a = ym - b * tm;
  const ss = y.reduce((acc, v, k) => acc + (v - a - b * t[k]) ** 2, 0);
  return { b, sigma: Math.sqrt(ss / (n - 2)) };
}

async function fixture(): Promise<{ dir: string; lon: number[]; lat: number[]; series: Float64Array; pixels: [number, number][] }> {
  const dir = mkdtempSync(join(tmpdir(), "tsview-"));
  const h5 = join(dir, "timeseries.h5");
  await writeH5(h5, [{ name: "timeseries", shape: [D, ROWS, COLS], data: stack() }, { name: "date", shape: [D], data: DATES }], { FILE_TYPE: "timeseries", UNIT: "mm" });
  const { datasets } = await readH5(h5);
  const ts = datasets.timeseries;
  const dates = datasets.date.data as string[];
  const px = pixelsOfStack(ts.data as Float32Array, dates.length, ts.shape[1], ts.shape[2], BOUNDS);
  const bundle = writeTsview({ id: "zigui-ts", dates, unit: "mm", chunkSize: 16, ...px, values: px.lon.map((_, i) => -(px.pixels[i][0] + px.pixels[i][1])), valueName: "velocity", valueUnit: "mm/yr" }, { reportsDir: dir, notebook: "nb" });
  writePlotlyBeside(dir);
  writeFileSync(join(dir, "page.html"), pageHtml("tsview", bundle.html, { plotly: true }));
  return { dir, ...px };
}

describe("tsview chunks", () => {
  it("quantise each series to int16 within half a step of its range/65534", () => {
    const series = Float64Array.from({ length: 3 * 5 }, (_, i) => (i === 7 ? NaN : Math.sin(i) * 40 + i));
    const chunk = encodeChunk(series, 0, 3, 5);
    expect(chunk.length).toBe(3 * 8 + 3 * 5 * 2);
    for (let p = 0; p < 3; p++) {
      const src = Array.from(series.slice(p * 5, p * 5 + 5));
      const fin = src.filter(Number.isFinite);
      const step = (Math.max(...fin) - Math.min(...fin)) / 65534;
      decodePoint(chunk, 3, 5, p).forEach((v, k) => (Number.isFinite(src[k]) ? expect(Math.abs(v - src[k])).toBeLessThanOrEqual(step * 0.5 + 1e-5) : expect(v).toBeNaN()));
    }
  });

  it("skip masked pixels and place the others at pixel centres", async () => {
    const f = await fixture();
    expect(f.pixels.length).toBe(ROWS * COLS - 1);
    expect(f.pixels[0]).toEqual([0, 1]);
    expect(f.lon[0]).toBeCloseTo(110.6 + 1.5 * (0.3 / COLS), 10);
    expect(f.lat[0]).toBeCloseTo(31.0 - 0.5 * (0.2 / ROWS), 10);
    // One array per date (SbasResult.ts) and a placing function give the same points.
    const flat = stack();
    const perDate = Array.from({ length: D }, (_, k) => flat.subarray(k * ROWS * COLS, (k + 1) * ROWS * COLS));
    const again = pixelsOfStack(perDate, D, ROWS, COLS, (r, c) => [110.6 + ((c + 0.5) * 0.3) / COLS, 31.0 - ((r + 0.5) * 0.2) / ROWS]);
    expect(again.pixels).toEqual(f.pixels);
    expect(Array.from(again.series)).toEqual(Array.from(f.series));
    expect(again.lon[5]).toBeCloseTo(f.lon[5], 12);
    expect(readdirSync(join(f.dir, "assets", "nb", "zigui-ts")).sort()).toEqual(["chunk-0000.bin", "chunk-0000.js", "chunk-0001.bin", "chunk-0001.js", "chunk-0002.bin", "chunk-0002.js"]);
  });
});

function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".bin": "application/octet-stream" };
  const server = createServer((req, res) => {
    const p = join(dir, normalize(decodeURIComponent((req.url ?? "/").split("?")[0])));
    if (!p.startsWith(dir) || !existsSync(p)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(p)] ?? "application/octet-stream" }).end(readFileSync(p));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

describe.skipIf(skipBrowser())("tsview in headless Chromium", () => {
  it("clicking two pixels plots their series from on-demand chunks, with the linear fit and σ", async () => {
    const f = await fixture();
    const server = await serve(f.dir);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const fetched: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.route(/.*/, (route) => {
        const url = route.request().url();
        if (!url.startsWith(origin) && !url.startsWith("data:")) return route.abort();
        if (url.includes("/assets/")) fetched.push(url.slice(url.indexOf("/assets/")));
        return route.continue();
      });
      await page.goto(`${origin}/page.html`);
      await page.evaluate(async () => {
        const root = document.getElementById("zigui-ts-root") as unknown as { dlabDrawn: Promise<unknown> };
        await root.dlabDrawn;
        const gd = document.getElementById("zigui-ts-map") as unknown as { _fullLayout: { map: { _subplot: { map: { loaded(): boolean; once(e: string, f: () => void): void } } } } };
        const map = gd._fullLayout.map._subplot.map;
        if (!map.loaded()) await new Promise<void>((res) => map.once("idle", res));
      });
      const t = f.pixels.length;
      for (const i of [2, t - 3]) {
        const xy = await page.evaluate(([lon, lat]) => {
          const gd = document.getElementById("zigui-ts-map") as unknown as { _fullLayout: { map: { _subplot: { map: { project(p: [number, number]): { x: number; y: number }; getCanvas(): HTMLCanvasElement } } } } };
          const map = gd._fullLayout.map._subplot.map;
          const p = map.project([lon, lat]);
          const r = map.getCanvas().getBoundingClientRect();
          return { x: r.left + p.x, y: r.top + p.y };
        }, [f.lon[i], f.lat[i]] as [number, number]);
        await page.mouse.move(xy.x, xy.y);
        await page.mouse.click(xy.x, xy.y);
        await page.waitForFunction((want) => document.getElementById("zigui-ts-root")?.dataset.selected === String(want), i, { timeout: 20_000 });
        const shown = await page.evaluate(() => {
          const ts = document.getElementById("zigui-ts-ts") as unknown as { data: { name: string; y: (number | null)[] }[] };
          return { y: ts.data[0].y, names: ts.data.map((d) => d.name), fit: JSON.parse(document.getElementById("zigui-ts-root")?.dataset.fit ?? "{}") as { b: number; sigma: number }, info: document.getElementById("zigui-ts-info")?.textContent ?? "" };
        });
        const src = Array.from(f.series.slice(i * D, (i + 1) * D));
        const step = (Math.max(...src) - Math.min(...src)) / 65534;
        shown.y.forEach((v, k) => expect(Math.abs((v as number) - src[k])).toBeLessThanOrEqual(step / 2 + 1e-4));
        expect(shown.names).toEqual(["displacement", "linear fit", "fit ± σ"]);
        const ref = leastSquares(DATES.map(decimalYear), src);
        expect(shown.fit.b).toBeCloseTo(ref.b, 3);
        expect(shown.fit.sigma).toBeCloseTo(ref.sigma, 3);
        expect(shown.info).toContain(`velocity ${ref.b.toFixed(2)}`);
      }
      expect(errors).toEqual([]);
      // Only the chunks of the clicked pixels were fetched, as binary.
      expect([...new Set(fetched)].sort()).toEqual(["/assets/nb/zigui-ts/chunk-0000.bin", "/assets/nb/zigui-ts/chunk-0002.bin"]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);

  it("works from disk (file://) through the script copies of the chunks", async () => {
    const f = await fixture();
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      await page.goto(pathToFileURL(join(f.dir, "page.html")).href);
      const y = await page.evaluate(async () => {
        const root = document.getElementById("zigui-ts-root") as unknown as { dlabDrawn: Promise<unknown>; dlabShow(i: number): Promise<void> };
        await root.dlabDrawn;
        await root.dlabShow(20);
        return (document.getElementById("zigui-ts-ts") as unknown as { data: { y: number[] }[] }).data[0].y;
      });
      const src = Array.from(f.series.slice(20 * D, 21 * D));
      y.forEach((v, k) => expect(v).toBeCloseTo(src[k], 3));
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
