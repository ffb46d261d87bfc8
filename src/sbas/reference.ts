/**
 * Reference point in space (MintPy reference_point). MintPy 1.5.1's automatic choice takes a (random)
 * pixel of average spatial coherence ≥ 0.85, which can sit inside a subsidence bowl: every velocity of
 * the scene then carries the bowl's motion. The automatic choice here ("stable") first estimates a
 * velocity per pixel (unweighted network inversion and a straight line, relative to the most coherent
 * pixel: the same noise as the final velocity, unlike a stacking rate), then
 * among coherent pixels in a coherent neighbourhood takes the one that minimises
 *   |median velocity of the neighbourhood − scene's stable velocity| + |own velocity − neighbourhood median| + own σ,
 * i.e. a pixel on ground that moves like most of the scene, agrees with its neighbours and fits a
 * straight line well. The scene's stable velocity is the centre of the densest quarter of the velocities
 * (a mode: unlike the median it is not pulled by a large deforming area).
 * "maxCoherence" keeps MintPy's rule (its argmax, so runs are reproducible); a row,col or lon/lat is
 * taken as given and checked the same way.
 */
import type { IfgramStack } from "./types";
import { SbasInputError } from "./types";
import { lonLatPixel, pixelLonLat } from "./geo";
import { median, quantileSorted, sortedFinite } from "../core/stats";
import { yearsSince } from "../core/dates";
import { invertStack } from "./inversion-stack";
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
  /** First-pass velocity of its neighbourhood relative to the scene's stable ground (m/yr). */
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
  /** Warn when the neighbourhood moves more than this (m/yr) relative to the scene's stable ground. */
  warnVelocity: number;
  /** Half width of the neighbourhood window (pixels). */
  radius?: number;
  /** The previous run's reference (row, col), to warn when it moved. */
  previous?: { row: number; col: number };
}

/** The kept network in the form the inversion takes. */
export interface KeptNetwork {
  dates: string[];
  pairs: [number, number][];
  /** Indices of the kept pairs in the stack. */
  keptPairs: number[];
}

/**
 * First-pass velocity (m/yr) and its standard error per pixel relative to pixel `ref`: an unweighted
 * network inversion (cheap: one shared factorisation per no-data pattern) and a straight line per
 * pixel. Its noise is the final velocity's, so a pixel chosen for a small first-pass velocity also has
 * a small final one.
 */
export function firstPassVelocity(stack: IfgramStack, net: KeptNetwork, ref: number): { v: Float32Array; sigma: Float32Array } {
  const nPix = stack.width * stack.height;
  const phase = net.keptPairs.map((k) => stack.unwrapPhase[k]);
  const inv = invertStack(
    {
      net: { dates: net.dates, pairs: net.pairs },
      width: stack.width,
      height: stack.height,
      phase,
      refPhase: Float64Array.from(phase, (ph) => ph[ref]),
      refIndex: ref,
      maxMemoryBytes: 2 ** 30,
      quiet: true,
    },
    { weightFunc: "no", minRedundancy: 1, looks: 1 },
  );
  const t = yearsSince(net.dates);
  const N = t.length;
  let tm = 0;
  for (const x of t) tm += x;
  tm /= N;
  let stt = 0;
  for (const x of t) stt += (x - tm) ** 2;
  const scale = -stack.wavelength / (4 * Math.PI);
  const v = new Float32Array(nPix).fill(NaN);
  const sigma = new Float32Array(nPix).fill(NaN);
  for (let p = 0; p < nPix; p++) {
    if (!(inv.numInvIfgram[p] > 0) || N < 3) continue;
    let ym = 0;
    for (let d = 0; d < N; d++) ym += inv.ts[d][p];
    ym /= N;
    let sty = 0;
    for (let d = 0; d < N; d++) sty += (t[d] - tm) * (inv.ts[d][p] - ym);
    const slope = sty / stt;
    let rss = 0;
    for (let d = 0; d < N; d++) rss += (inv.ts[d][p] - ym - slope * (t[d] - tm)) ** 2;
    v[p] = slope * scale;
    sigma[p] = Math.sqrt(rss / (N - 2) / stt) * Math.abs(scale);
  }
  v[ref] = 0;
  sigma[ref] = 0;
  return { v, sigma };
}

/**
 * Centre of the densest quarter of the values (midpoint-median of the shortest interval holding 25 %
 * of them): the velocity of the stable ground where the median would be pulled by a large deforming
 * area (a bowl covering 30 % of the scene moves the median by half a pixel's noise).
 */
export function densestCentre(values: readonly number[]): number {
  const s = sortedFinite(values);
  const n = s.length;
  if (n < 8) return quantileSorted(s, 0.5);
  const k = Math.max(4, Math.floor(n / 4));
  let best = 0;
  for (let i = 1; i + k - 1 < n; i++) if (s[i + k - 1] - s[i] < s[best + k - 1] - s[best]) best = i;
  return quantileSorted(s.subarray(best, best + k), 0.5);
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
  net: KeptNetwork & { keep: readonly boolean[] },
  spec: ReferenceSpec,
  avgCoh: Float32Array,
  opts: ReferenceOptions,
): ReferencePoint {
  const { width: W, height: H } = stack;
  const valid = validInAllMask(stack, net.keep);
  const fallback = argmaxCoherence(valid, avgCoh);
  if (fallback < 0) throw new SbasInputError(stack.source, "no pixel is valid in every kept interferogram: cannot pick a reference point");
  const first = firstPassVelocity(stack, net, fallback);
  // Pixels whose first-pass velocity counts for the scene's stable velocity and the neighbourhoods: coherent ones,
  // with a threshold that follows the scene where it is less coherent than MintPy's candidates.
  const validCoh: number[] = [];
  for (let p = 0; p < W * H; p++) if (valid[p]) validCoh.push(avgCoh[p]);
  const usableCoh = Math.min(opts.minCoherence - 0.15, median(validCoh));
  const usable = (p: number): boolean => valid[p] === 1 && first.v[p] === first.v[p] && avgCoh[p] >= usableCoh;
  const sceneV: number[] = [];
  for (let p = 0; p < W * H; p++) if (usable(p)) sceneV.push(first.v[p]);
  const sceneStable = densestCentre(sceneV);
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
      const pick = (cands: number[]): { best: number; moving: number } => {
        let best = -1;
        let bestScore = Infinity;
        for (const minFrac of [0.6, 0]) {
          for (const p of cands) {
            const nb = nbrMedian(p);
            if (nb.frac < minFrac || nb.med !== nb.med) continue;
            const score = Math.abs(nb.med - sceneStable) + Math.abs(first.v[p] - nb.med) + first.sigma[p];
            if (score < bestScore || (score === bestScore && avgCoh[p] > avgCoh[best])) {
              bestScore = score;
              best = p;
            }
          }
          if (best >= 0) break;
        }
        return { best, moving: best >= 0 ? Math.abs(nbrMedian(best).med - sceneStable) : Infinity };
      };
      const strict: number[] = [];
      const wide: number[] = [];
      for (let p = 0; p < W * H; p++) {
        if (!usable(p)) continue;
        wide.push(p);
        if (avgCoh[p] >= opts.minCoherence) strict.push(p);
      }
      // MintPy's candidates first; when all of them move (e.g. a coherent subsiding town), every coherent pixel.
      let chosen = pick(strict);
      let pool = `${strict.length} pixels with average coherence ≥ ${opts.minCoherence}`;
      if (chosen.moving > opts.warnVelocity) {
        const w = pick(wide);
        if (w.moving < chosen.moving) {
          chosen = w;
          pool =
            `${wide.length} pixels with average coherence ≥ ${usableCoh.toFixed(2)} ` +
            (strict.length ? `(the ${strict.length} above ${opts.minCoherence} all move)` : `(none reaches ${opts.minCoherence})`);
        }
      }
      const best = chosen.best;
      index = best >= 0 ? best : fallback;
      method = best >= 0 ? "stable" : "maxCoherence";
      how =
        best >= 0
          ? `stable coherent ground: among ${pool}, the one whose ${2 * R + 1}×${2 * R + 1} neighbourhood and own first-pass ` +
            `(unweighted inversion) velocity are closest to the scene's stable ground (densest velocities)`
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
  const rel = (nb.med === nb.med ? nb.med : first.v[index]) - sceneStable;
  const row = Math.floor(index / W);
  const col = index % W;
  const warnings: string[] = [];
  if (Math.abs(rel) > opts.warnVelocity)
    warnings.push(
      `reference (row ${row}, col ${col}) sits in an area moving ${(rel * 1000).toFixed(1)} mm/yr relative to the scene's stable ground: ` +
        `every velocity carries this offset; give a stable point with reference=ll:lon,lat or row,col`,
    );
  if (opts.previous && (opts.previous.row !== row || opts.previous.col !== col))
    warnings.push(`reference moved from (row ${opts.previous.row}, col ${opts.previous.col}) in the previous run to (row ${row}, col ${col})`);
  return { row, col, index, method, coherence: avgCoh[index], ...locate(stack, index), how, neighbourhoodVelocity: rel, warnings };
}
