/**
 * A tiny in-test landslide simulator: smooth random backgrounds with elliptical "landslides" whose
 * features differ from their surroundings (brighter inverted bands, lower NDVI, higher BSI), plus noise.
 * Learnable by a small U-Net in seconds, yet not separable by any single-pixel threshold.
 */
import { Rng } from "../../src/landslide/unet";
import type { PatchSet } from "../../src/landslide/train";

export function simulatePatches(count: number, size: number, channels: number, seed: number): PatchSet {
  const rng = new Rng(seed);
  const px = size * size;
  const images = new Float32Array(count * px * channels);
  const masks = new Uint8Array(count * px);
  // Per-channel contrast of a landslide pixel against the background.
  const contrast = Array.from({ length: channels }, (_, c) => (c % 3 === 0 ? 0.35 : c % 3 === 1 ? -0.3 : 0.15));
  for (let n = 0; n < count; n++) {
    const blobs: { cx: number; cy: number; a: number; b: number; th: number }[] = [];
    const k = Math.floor(rng.next() * 3); // 0, 1 or 2 landslides
    for (let i = 0; i < k; i++) {
      blobs.push({ cx: rng.next() * size, cy: rng.next() * size, a: size * (0.12 + 0.15 * rng.next()), b: size * (0.08 + 0.1 * rng.next()), th: rng.next() * Math.PI });
    }
    const waves = Array.from({ length: channels }, () => ({ fx: rng.next() * 0.3, fy: rng.next() * 0.3, ph: rng.next() * 6.28, amp: 0.1 + 0.15 * rng.next(), base: 0.3 + 0.4 * rng.next() }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let inside = 0;
        for (const bl of blobs) {
          const dx = x - bl.cx;
          const dy = y - bl.cy;
          const u = (dx * Math.cos(bl.th) + dy * Math.sin(bl.th)) / bl.a;
          const v = (-dx * Math.sin(bl.th) + dy * Math.cos(bl.th)) / bl.b;
          if (u * u + v * v <= 1) inside = 1;
        }
        const p = y * size + x;
        masks[n * px + p] = inside;
        for (let c = 0; c < channels; c++) {
          const w = waves[c];
          const noise = (rng.next() - 0.5) * 0.5;
          images[(n * px + p) * channels + c] = w.base + w.amp * Math.sin(w.fx * x + w.fy * y + w.ph) + noise + inside * contrast[c];
        }
      }
    }
  }
  return { images, masks, count, size, channels };
}
