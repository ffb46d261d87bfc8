/**
 * Reference point in space (MintPy reference_point): given as row/column or lon/lat, or chosen
 * automatically as the pixel of highest average spatial coherence among pixels valid in every kept
 * interferogram. MintPy 1.5.1's "maxCoherence" method draws a *random* pixel among those with
 * avgSpatialCoh ≥ 0.85 (its argmax is commented out in select_max_coherence_yx); the argmax is used
 * here so runs are reproducible, and it always satisfies MintPy's 0.85 condition when any pixel does.
 */
import { geoToPixel } from "../io/raster";
import type { IfgramStack } from "./types";
import { SbasInputError } from "./types";

/** Mean coherence over the kept interferograms (MintPy avgSpatialCoh.h5), NaN counted as 0. */
export function averageSpatialCoherence(stack: IfgramStack): Float32Array {
  const nPix = stack.width * stack.height;
  const out = new Float32Array(nPix);
  let n = 0;
  stack.coherence.forEach((c, k) => {
    if (!stack.keep[k]) return;
    n++;
    for (let p = 0; p < nPix; p++) {
      const v = c[p];
      if (v === v) out[p] += v;
    }
  });
  if (n) for (let p = 0; p < nPix; p++) out[p] /= n;
  return out;
}

/** 1 where the unwrapped phase is valid (non-zero, non-NaN) in every kept interferogram. */
export function validInAllMask(stack: IfgramStack): Uint8Array {
  const nPix = stack.width * stack.height;
  const out = new Uint8Array(nPix).fill(1);
  stack.unwrapPhase.forEach((ph, k) => {
    if (!stack.keep[k]) return;
    for (let p = 0; p < nPix; p++) {
      const v = ph[p];
      if (v === 0 || v !== v) out[p] = 0;
    }
  });
  if (stack.geometry.waterMask) for (let p = 0; p < nPix; p++) if (!stack.geometry.waterMask[p]) out[p] = 0;
  return out;
}

export interface ReferencePoint {
  row: number;
  col: number;
  index: number;
  method: "given" | "maxCoherence";
  /** Average spatial coherence at the point. */
  coherence: number;
}

export type ReferenceSpec = { row: number; col: number } | { lon: number; lat: number } | "auto";

export function selectReferencePoint(stack: IfgramStack, spec: ReferenceSpec, avgCoh?: Float32Array): ReferencePoint {
  const coh = avgCoh ?? averageSpatialCoherence(stack);
  const valid = validInAllMask(stack);
  if (spec !== "auto") {
    let row: number;
    let col: number;
    if ("row" in spec) {
      row = spec.row;
      col = spec.col;
    } else {
      if (!stack.transform) throw new SbasInputError(stack.source, "a lon/lat reference point needs a georeferenced stack");
      const [c, r] = geoToPixel(stack.transform, spec.lon, spec.lat);
      row = Math.floor(r);
      col = Math.floor(c);
    }
    if (!(row >= 0 && row < stack.height && col >= 0 && col < stack.width))
      throw new SbasInputError(stack.source, `reference point (row ${row}, col ${col}) is outside the ${stack.height}×${stack.width} stack`);
    const index = row * stack.width + col;
    if (!valid[index])
      throw new SbasInputError(stack.source, `reference point (row ${row}, col ${col}) has no data in some kept interferogram`);
    return { row, col, index, method: "given", coherence: coh[index] };
  }
  let best = -1;
  let bestCoh = -Infinity;
  for (let p = 0; p < valid.length; p++) {
    if (!valid[p]) continue;
    if (coh[p] > bestCoh) {
      bestCoh = coh[p];
      best = p;
    }
  }
  if (best < 0) throw new SbasInputError(stack.source, "no pixel is valid in every kept interferogram: cannot pick a reference point");
  return { row: Math.floor(best / stack.width), col: best % stack.width, index: best, method: "maxCoherence", coherence: bestCoh };
}
