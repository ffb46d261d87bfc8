/**
 * Headless Chromium for the runner (figure export) and the browser tests: Debian's `chromium`
 * (CHROMIUM_PATH overrides), driven by playwright-core, never a downloaded browser, and offline.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why headless Chromium cannot be used here, or undefined when it can. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH`;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // MapLibre (scattermap) needs WebGL; SwiftShader gives it without a GPU.
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
    ],
  });
}
