/**
 * Reference point in space (MintPy reference_point). MintPy 1.5.1's automatic choice takes a (random)
 * pixel of average spatial coherence ≥ 0.85, which can sit inside a subsidence bowl: every velocity of
 * the scene then carries the bowl's motion. The automatic choice here ("stable") first estimates a
 * stacking velocity per pixel (Σ φ·Δt / Σ Δt² over the pairs, relative to the most coherent pixel), then
 * among coherent pixels in a coherent neighbourhood takes the one that minimises
 *   |median velocity of the neighbourhood − scene median| + |own velocity − neighbourhood median| + own σ,
 * i.e. a pixel on ground that moves like most of the scene, agrees with its neighbours and fits a
 * straight line well. The scene median is stable ground wherever most coherent pixels are stable.
 * "maxCoherence" keeps MintPy's rule (its argmax, so runs are reproducible); a row,col or lon/lat is
 * taken as given and checked the same way.
 */
import type { IfgramStack } from "./types";
import { SbasInputError } from "./types";
import { lonLatPixel, pixelLonLat } from "./geo";
import { median, quantileSorted, sortedFinite } from "../core/stats";
import { yearsSince } from "../core/dates";
import { UsageError } from "../core/errors";

/** Mean coherence over the kept interferograms (MintPy avgSpatialCoh.h5), NaN counted as 0. */
export function averageSpatialCoherence(stack: IfgramStack, keep: readonly boolean[]): Float32Array {
  const nPix = stack.width * stack.height;
  const out = new Float32Array(nPix);
  let n = 0;
  stack.coherence.forEach((c, k) => {
    if (!keep[k]) return;
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
export function validInAllMask(stack: IfgramStack, keep: readonly boolean[]): Uint8Array {
  const nPix = stack.width * stack.height;
  const out = new Uint8Array(nPix).fill(1);
  stack.unwrapPhase.forEach((ph, k) => {
    if (!keep[k]) return;
    for (let p = 0; p < nPix; p++) {
      const v = ph[p];
      if (v === 0 || v !== v) out[p] = 0;
    }
  });
  if (stack.geometry.waterMask) for (let p = 0; p < nPix; p++) if (!stack.geometry.waterMask[p]) out[p] = 0;
  return out;
}

export type ReferenceMethod = "given" | "stack" | "maxCoherence" | "stable";

export interface ReferencePoint {
  row: number;
  col: number;
  index: number;
  method: ReferenceMethod;
  /** Average spatial coherence at the point. */
  coherence: number;
  lon?: number;
  lat?: number;
  /** How it was chosen, in words (printed by the CLI, the notebook and summary.json). */
  how: string;
  /** First-pass velocity of its neighbourhood relative to the scene median (m/yr). */
  neighbourhoodVelocity: number;
  warnings: string[];
}

export type ReferenceSpec = { row: number; col: number } | { lon: number; lat: number } | "auto" | "maxCoherence";

export function parseReference(spec: string): ReferenceSpec {
  if (spec === "auto" || spec === "maxCoherence") return spec;
  const ll = /^ll:\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)$/.exec(spec);
  if (ll) return { lon: Number(ll[1]), lat: Number(ll[2]) };
  const rc = /^(\d+)\s*,\s*(\d+)$/.exec(spec);
  if (rc) return { row: Number(rc[1]), col: Number(rc[2]) };
  throw new UsageError(`parameter reference: "${spec}" is not "auto", "maxCoherence", "row,col" or "ll:lon,lat"`);
}

export interface ReferenceOptions {
  /** MintPy reference.minCoherence (0.85). */
  minCoherence: number;
  /** Warn when the neighbourhood moves more than this (m/yr) relative to the scene median. */
  warnVelocity: number;
  /** Half width of the neighbourhood window (pixels). */
  radius?: number;
  /** The previous run's reference (row, col), to warn when it moved. */
  previous?: { row: number; col: number };
}

/**
 * Stacking velocity (m/yr) and its standard error per pixel relative to pixel `ref`, from the kept
 * pairs valid at both pixels: the cheap first pass that tells moving from stable ground.
 */
export function stackingVelocity(stack: IfgramStack, keep: readonly boolean[], ref: number): { v: Float32Array; sigma: Float32Array } {
  const nPix = stack.width * stack.height;
  const t = yearsSince(stack.dates);
  const sy = new Float64Array(nPix);
  const st2 = new Float64Array(nPix);
  const sy2 = new Float64Array(nPix);
  const n = new Int32Array(nPix);
  stack.unwrapPhase.forEach((ph, k) => {
    const r = ph[ref];
    if (!keep[k] || r !== r || r === 0) return;
    const dt = t[stack.pairs[k][1]] - t[stack.pairs[k][0]];
    for (let p = 0; p < nPix; p++) {
      const v = ph[p];
      if (v !== v || v === 0) continue;
      const y = v - r;
      sy[p] += y * dt;
      st2[p] += dt * dt;
      sy2[p] += y * y;
      n[p]++;
    }
  });
  const scale = -stack.wavelength / (4 * Math.PI);
  const v = new Float32Array(nPix).fill(NaN);
  const sigma = new Float32Array(nPix).fill(NaN);
  for (let p = 0; p < nPix; p++) {
    if (n[p] < 3) continue;
    const rate = sy[p] / st2[p];
    const rss = Math.max(0, sy2[p] - rate * sy[p]);
    v[p] = rate * scale;
    sigma[p] = (Math.sqrt(rss / (n[p] - 1)) / Math.sqrt(st2[p])) * Math.abs(scale);
  }
  v[ref] = 0;
  return { v, sigma };
}

function locate(stack: IfgramStack, index: number): { lon?: number; lat?: number } {
  if (!stack.transform) return {};
  const ll = pixelLonLat(stack.transform, stack.epsg, index % stack.width, Math.floor(index / stack.width));
  return ll ? { lon: ll[0], lat: ll[1] } : {};
}

function argmaxCoherence(valid: Uint8Array, coh: Float32Array): number {
  let best = -1;
  let bestCoh = -Infinity;
  for (let p = 0; p < valid.length; p++) {
    if (valid[p] && coh[p] > bestCoh) {
      bestCoh = coh[p];
      best = p;
    }
  }
  return best;
}

export function selectReferencePoint(
  stack: IfgramStack,
  keep: readonly boolean[],
  spec: ReferenceSpec,
  avgCoh: Float32Array,
  opts: ReferenceOptions,
): ReferencePoint {
  const { width: W, height: H } = stack;
  const valid = validInAllMask(stack, keep);
  const fallback = argmaxCoherence(valid, avgCoh);
  if (fallback < 0) throw new SbasInputError(stack.source, "no pixel is valid in every kept interferogram: cannot pick a reference point");
  const first = stackingVelocity(stack, keep, fallback);
  const usable = (p: number): boolean => valid[p] === 1 && first.v[p] === first.v[p] && avgCoh[p] >= opts.minCoherence - 0.15;
  const sceneV: number[] = [];
  for (let p = 0; p < W * H; p++) if (usable(p)) sceneV.push(first.v[p]);
  const sceneMedian = median(sceneV);
  const R = opts.radius ?? 2;
  const nbrMedian = (p: number): { med: number; frac: number } => {
    const r0 = Math.floor(p / W);
    const c0 = p % W;
    const vals: number[] = [];
    let total = 0;
    for (let r = Math.max(0, r0 - R); r <= Math.min(H - 1, r0 + R); r++)
      for (let c = Math.max(0, c0 - R); c <= Math.min(W - 1, c0 + R); c++) {
        total++;
        if (usable(r * W + c)) vals.push(first.v[r * W + c]);
      }
    return { med: quantileSorted(sortedFinite(vals), 0.5), frac: vals.length / total };
  };

  let index: number;
  let method: ReferenceMethod;
  let how: string;
  if (spec === "auto" || spec === "maxCoherence") {
    if (spec === "maxCoherence") {
      index = fallback;
      method = "maxCoherence";
      how = `highest average spatial coherence (${avgCoh[fallback].toFixed(3)}), MintPy's rule`;
    } else {
      const cands: number[] = [];
      for (let p = 0; p < W * H; p++) if (valid[p] && avgCoh[p] >= opts.minCoherence && usable(p)) cands.push(p);
      if (!cands.length) {
        // No pixel reaches MintPy's threshold: the most coherent tenth of the valid pixels.
        const c = [...avgCoh].filter((_, p) => usable(p)).sort((a, b) => b - a);
        const thr = c[Math.floor(c.length / 10)] ?? 0;
        for (let p = 0; p < W * H; p++) if (usable(p) && avgCoh[p] >= thr) cands.push(p);
      }
      let best = -1;
      let bestScore = Infinity;
      for (const minFrac of [0.6, 0]) {
        for (const p of cands) {
          const nb = nbrMedian(p);
          if (nb.frac < minFrac || nb.med !== nb.med) continue;
          const score = Math.abs(nb.med - sceneMedian) + Math.abs(first.v[p] - nb.med) + first.sigma[p];
          if (score < bestScore || (score === bestScore && avgCoh[p] > avgCoh[best])) {
            bestScore = score;
            best = p;
          }
        }
        if (best >= 0) break;
      }
      index = best >= 0 ? best : fallback;
      method = best >= 0 ? "stable" : "maxCoherence";
      how =
        best >= 0
          ? `stable coherent ground: among ${cands.length} pixels with average coherence ≥ ${opts.minCoherence} the one whose ` +
            `${2 * R + 1}×${2 * R + 1} neighbourhood and own first-pass (stacking) velocity are closest to the scene median`
          : "highest average spatial coherence (no coherent neighbourhood found)";
    }
  } else {
    let row: number;
    let col: number;
    if ("row" in spec) {
      row = spec.row;
      col = spec.col;
      how = `given as row ${row}, col ${col}`;
    } else {
      if (!stack.transform) throw new SbasInputError(stack.source, "a lon/lat reference point needs a georeferenced stack");
      const cr = lonLatPixel(stack.transform, stack.epsg, spec.lon, spec.lat);
      if (!cr) throw new SbasInputError(stack.source, `cannot convert lon/lat to pixels in EPSG:${stack.epsg}`);
      [col, row] = cr;
      how = `given as lon ${spec.lon}, lat ${spec.lat}`;
    }
    if (!(row >= 0 && row < H && col >= 0 && col < W))
      throw new SbasInputError(stack.source, `reference point (row ${row}, col ${col}) is outside the ${H}×${W} stack`);
    index = row * W + col;
    if (!valid[index]) throw new SbasInputError(stack.source, `reference point (row ${row}, col ${col}) has no data in some kept interferogram`);
    method = "given";
  }
  const nb = nbrMedian(index);
  const rel = (nb.med === nb.med ? nb.med : first.v[index]) - sceneMedian;
  const row = Math.floor(index / W);
  const col = index % W;
  const warnings: string[] = [];
  if (Math.abs(rel) > opts.warnVelocity)
    warnings.push(
      `reference (row ${row}, col ${col}) sits in an area moving ${(rel * 1000).toFixed(1)} mm/yr relative to the scene median: ` +
        `every velocity carries this offset; give a stable point with reference=ll:lon,lat or row,col`,
    );
  if (opts.previous && (opts.previous.row !== row || opts.previous.col !== col))
    warnings.push(`reference moved from (row ${opts.previous.row}, col ${opts.previous.col}) in the previous run to (row ${row}, col ${col})`);
  return { row, col, index, method, coherence: avgCoh[index], ...locate(stack, index), how, neighbourhoodVelocity: rel, warnings };
}
