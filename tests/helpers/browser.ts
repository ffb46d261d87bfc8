/**
 * Headless Chromium (Debian's `chromium`, never a downloaded browser) driven by playwright-core, for
 * checking that report pages render their tables and Plotly figures without console errors.
 */
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { browserUnavailable, CHROMIUM, launch } from "../../src/runner/chromium";

export { browserUnavailable, CHROMIUM, launch };

export interface PageCheck {
  consoleErrors: string[];
  tables: number;
  plotlyTargets: number;
  plotlyRendered: number;
  title: string;
}

export async function checkPage(browser: Browser, file: string): Promise<PageCheck> {
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForTimeout(300);
  const r = await page.evaluate(() => ({
    tables: document.querySelectorAll("table").length,
    plotlyTargets: document.querySelectorAll(".dlab-figure").length,
    plotlyRendered: Array.from(document.querySelectorAll(".dlab-figure")).filter((d) => d.querySelector(".main-svg")).length,
    title: document.title,
  }));
  await page.close();
  return { consoleErrors, ...r };
}

/** In CI the browser tests must run; elsewhere they are skipped with the reason printed. */
export function skipBrowser(): boolean {
  const why = browserUnavailable();
  if (!why) return false;
  if (process.env.CI) throw new Error(`browser tests required in CI: ${why}`);
  console.warn(`skipping browser tests: ${why}`);
  return true;
}
