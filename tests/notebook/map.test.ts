/** Offline MapLibre maps: the spec's structure, and that it draws in headless Chromium with no network. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { colourAt, VELOCITY_STOPS } from "../../src/notebook/colormap";
import { fitZoom, linesLayer, markersLayer, offlineMap, pointsLayer, polygonsLayer, rasterLayer, type MapLayer } from "../../src/notebook/map";
import { pageHtml, writePlotlyBeside } from "../../src/runner/html";
import { launch, skipBrowser } from "../helpers/browser";

function layers(): MapLayer[] {
  const w = 40, h = 30;
  const values = Float32Array.from({ length: w * h }, (_, i) => ((i % w) - w / 2) * 0.5);
  values[0] = NaN;
  return [
    rasterLayer({ name: "velocity", values, width: w, height: h, bounds: [110.6, 30.8, 110.9, 31.0], unit: "mm/a", range: [-10, 10] }),
    pointsLayer({ name: "PS", lon: [110.7, 110.75, 110.8], lat: [30.9, 30.92, 30.95], values: [-8, 0, 3], unit: "mm/a" }),
    polygonsLayer({ name: "landslides", polygons: [[[[110.7, 30.85], [110.72, 30.85], [110.72, 30.87], [110.7, 30.85]]]] }),
    linesLayer({ name: "river", lines: [[[110.6, 30.95], [110.9, 30.9]]], color: "#3366cc" }),
    markersLayer({ name: "dam", points: [{ lon: 110.65, lat: 30.83, label: "Three Gorges Dam" }] }),
  ];
}

describe("offline map specs", () => {
  it("embed a style with no tile URL, one trace per vector layer, and the raster as an image layer", () => {
    const fig = offlineMap(layers(), { title: "test map" });
    const layout = fig.layout as { map: { style: { sources: object; layers: { id: string }[] }; layers: { sourcetype: string; source: string; coordinates: number[][] }[]; zoom: number } };
    expect(layout.map.style.sources).toEqual({});
    expect(layout.map.style.layers.map((l) => l.id)).toEqual(["background"]);
    expect(JSON.stringify(fig)).not.toMatch(/https?:\/\//);
    expect(layout.map.layers).toHaveLength(1);
    expect(layout.map.layers[0].sourcetype).toBe("image");
    expect(layout.map.layers[0].source.startsWith("data:image/png;base64,iVBOR")).toBe(true);
    expect(layout.map.layers[0].coordinates).toEqual([[110.6, 31.0], [110.9, 31.0], [110.9, 30.8], [110.6, 30.8]]);
    expect((fig.data as { name: string }[]).map((d) => d.name)).toEqual(["velocity (colour scale)", "PS", "landslides", "river", "dam"]);
    // 0.3° × 0.2° at 30.9°N in 760 × 560 px: latitude limits (Mercator stretch 1/cos φ), so
    // zoom = log2(560·360·cos 30.9° / (512·0.2)) − 0.2 margin = 10.52
    expect(fitZoom([110.6, 30.8, 110.9, 31.0], 760, 560)).toBeCloseTo(Math.log2((560 * 360 * Math.cos((30.9 * Math.PI) / 180)) / (512 * 0.2)) - 0.2, 3);
    const withBase = offlineMap(layers(), { basemap: { kind: "raster-tiles", url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: "© OpenStreetMap" } });
    expect(JSON.stringify(withBase.layout)).toContain("tile.openstreetmap.org");
  });

  it("colours the ends and the middle of the velocity scale as its stops", () => {
    expect(colourAt(VELOCITY_STOPS, -10, -10, 10)).toEqual([103, 0, 31]);
    expect(colourAt(VELOCITY_STOPS, 0, -10, 10)).toEqual([247, 247, 247]);
    expect(colourAt(VELOCITY_STOPS, 99, -10, 10)).toEqual([5, 48, 97]);
  });
});

describe.skipIf(skipBrowser())("offline maps in headless Chromium", () => {
  it("draw every layer with no network request and no console error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "map-"));
    writePlotlyBeside(dir);
    const fig = offlineMap(layers(), { title: "test map" });
    const body = `<div id="m" class="dlab-figure"></div><script>var s=${JSON.stringify(fig)};window.drawn=Plotly.newPlot("m",s.data,s.layout,s.config);</script>`;
    writeFileSync(join(dir, "map.html"), pageHtml("map", body, { plotly: true }));
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.route(/^(?!file:|data:)/, (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      await page.goto(pathToFileURL(join(dir, "map.html")).href);
      const r = await page.evaluate(async () => {
        await (window as unknown as { drawn: Promise<unknown> }).drawn;
        const gd = document.getElementById("m") as unknown as { _fullLayout: { map: { _subplot: { map: { getStyle(): { layers: { id: string; type: string }[] }; loaded(): boolean; once(e: string, f: () => void): void } } } } };
        const map = gd._fullLayout.map._subplot.map;
        if (!map.loaded()) await new Promise<void>((res) => map.once("idle", res));
        return {
          canvas: document.querySelectorAll("#m canvas").length,
          layers: map.getStyle().layers.map((l) => l.type),
          legend: Array.from(document.querySelectorAll("#m .legendtext")).map((t) => t.textContent),
          buttons: Array.from(document.querySelectorAll("#m .updatemenu-button text")).map((t) => t.textContent),
        };
      });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(r.canvas).toBeGreaterThanOrEqual(1);
      expect(r.layers).toContain("background");
      expect(r.layers).toContain("raster"); // the velocity image
      expect(r.layers.filter((t) => t === "circle").length).toBeGreaterThanOrEqual(3); // colour-scale point, PS, dam
      expect(r.layers).toContain("fill"); // landslide polygons
      expect(r.legend).toEqual(["PS", "landslides", "river", "dam"]);
      expect(r.buttons).toEqual(["velocity: on", "velocity: off"]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
