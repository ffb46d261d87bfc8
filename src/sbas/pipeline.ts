/**
 * The SBAS chain in smallbaselineApp's order: modify_network → reference_point → invert_network →
 * correct_troposphere (phase–elevation) → deramp → correct_topography (DEM error) → residual_RMS →
 * reference_date → velocity. Each step is its own function elsewhere in src/sbas; this module wires
 * them with the study parameters and records what each did.
 */
import type { SbasParams } from "../studies/zigui/sbas";
import { modifyNetwork, bperpTimeseries, countComponents, type Network } from "./network";
import { averageSpatialCoherence, selectReferencePoint, type ReferencePoint, type ReferenceSpec } from "./reference";
import { availableParallelism } from "node:os";
import { invertStack, invertStackParallel, type InversionResult } from "./inversion";
import { independentLooks } from "./weights";
import { deramp, demErrorCorrection, residualRms, referenceDate, troposphereElevation } from "./corrections";
import { fitTimeFunctions, type TimeFuncFit } from "./timefunc";
import type { IfgramStack } from "./types";
import { daysBetween } from "./dates";

export interface SbasResult {
  /** Dates of the time series (those the kept network touches). */
  dates: string[];
  network: Network & {
    /** Indices into the input stack's pairs. */
    keptPairs: number[];
    dropped: { pair: string; reason: string }[];
    components: number;
  };
  reference: ReferencePoint;
  avgSpatialCoherence: Float32Array;
  /** Per-date bperp relative to the first date (m). */
  bperpDates: Float64Array;
  /** Raw inverted displacement time series (m), before corrections. */
  tsRaw: Float32Array[];
  /** Final corrected time series (m), referenced to `refDate`. */
  ts: Float32Array[];
  temporalCoherence: Float32Array;
  numInvIfgram: Int16Array;
  maskTempCoh: Uint8Array;
  rankDeficientPixels: number;
  troposphere?: { coefficients: number[]; correlation: number[] };
  ramps?: number[][];
  demError?: Float32Array;
  residualRms: number[];
  refDate: string;
  fit: TimeFuncFit;
  velocity: Float32Array;
  velocityStd: Float32Array;
  timings: Record<string, number>;
  notes: string[];
}

export function parseReference(spec: string): ReferenceSpec {
  if (spec === "auto") return "auto";
  const ll = /^ll:\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)$/.exec(spec);
  if (ll) return { lon: Number(ll[1]), lat: Number(ll[2]) };
  const rc = /^(\d+)\s*,\s*(\d+)$/.exec(spec);
  if (rc) return { row: Number(rc[1]), col: Number(rc[2]) };
  throw new Error(`reference "${spec}" is not "auto", "row,col" or "ll:lon,lat"`);
}

function nanMean(a: Float32Array): number {
  let s = 0;
  let n = 0;
  for (const v of a)
    if (v === v) {
      s += v;
      n++;
    }
  return n ? s / n : NaN;
}

export async function runSbas(stack: IfgramStack, params: SbasParams, opts: { quiet?: boolean } = {}): Promise<SbasResult> {
  const timings: Record<string, number> = {};
  const notes: string[] = [];
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = (t - t0) / 1000;
    t0 = t;
  };
  const nPix = stack.width * stack.height;

  // modify_network
  const meanCoh = stack.coherence.map(nanMean);
  const mod = modifyNetwork(
    stack.dates,
    stack.pairs,
    stack.bperp,
    {
      tempBaseMax: params.tempBaseMax,
      perpBaseMax: params.perpBaseMax,
      connNumMax: params.connNumMax,
      excludeDate: params.excludeDate,
      excludeIfgIndex: [],
      coherenceBased: params.coherenceBased,
      minCoherence: params.minCoherence,
      keepMinSpanTree: params.keepMinSpanTree,
    },
    meanCoh,
  );
  stack.keep = stack.keep.map((k, i) => k && mod.keep[i]);
  const keptPairs = stack.pairs.map((_, i) => i).filter((i) => stack.keep[i]);
  if (!keptPairs.length) throw new Error(`${stack.source}: network modification dropped every interferogram`);
  const usedDates = [...new Set(keptPairs.flatMap((i) => stack.pairs[i]))].sort((a, b) => a - b);
  const remap = new Map(usedDates.map((d, i) => [d, i]));
  const dates = usedDates.map((d) => stack.dates[d]);
  const pairs = keptPairs.map((i) => [remap.get(stack.pairs[i][0])!, remap.get(stack.pairs[i][1])!] as [number, number]);
  const net: Network = { dates, pairs };
  const components = countComponents(dates.length, pairs);
  if (components > 1)
    notes.push(
      `network has ${components} disconnected subsets: solved with the minimum-norm velocity (no displacement assumed across gaps)`,
    );
  const dropped = stack.pairs
    .map((_, i) => i)
    .filter((i) => !stack.keep[i])
    .map((i) => ({ pair: `${stack.dates[stack.pairs[i][0]]}_${stack.dates[stack.pairs[i][1]]}`, reason: mod.reasons[i] || "dropped in input" }));
  lap("modifyNetwork");

  // reference_point
  const avgCoh = averageSpatialCoherence(stack);
  // Like MintPy's reference_point, keep a reference already recorded in the stack (REF_Y/REF_X).
  let refSpec = parseReference(params.reference);
  const ry = Number(stack.attrs.REF_Y);
  const rx = Number(stack.attrs.REF_X);
  if (refSpec === "auto" && Number.isInteger(ry) && Number.isInteger(rx) && stack.attrs.REF_Y !== undefined) {
    refSpec = { row: ry, col: rx };
    notes.push(`reference point row ${ry}, col ${rx} taken from the stack's REF_Y/REF_X`);
  }
  const reference = selectReferencePoint(stack, refSpec, avgCoh);
  lap("referencePoint");

  // invert_network
  const skip = new Uint8Array(nPix);
  for (let p = 0; p < nPix; p++) {
    if (avgCoh[p] === 0) skip[p] = 1;
    if (stack.geometry.waterMask && !stack.geometry.waterMask[p]) skip[p] = 1;
  }
  const phase = keptPairs.map((i) => stack.unwrapPhase[i]);
  const refPhase = Float64Array.from(phase, (ph) => ph[reference.index]);
  const invInput = {
    net,
    width: stack.width,
    height: stack.height,
    phase,
    coherence: keptPairs.map((i) => stack.coherence[i]),
    refPhase,
    skip,
    refIndex: reference.index,
    maxMemoryBytes: params.maxMemoryGB * 2 ** 30,
    quiet: opts.quiet,
  };
  const invOpts = { weightFunc: params.weightFunc, minRedundancy: params.minRedundancy, looks: independentLooks(stack.attrs) };
  const threads = params.threads > 0 ? params.threads : availableParallelism();
  let inv: InversionResult;
  try {
    inv = await invertStackParallel(invInput, invOpts, threads);
  } catch (e) {
    notes.push(`worker threads unavailable (${(e as Error).message}); inverted on one thread`);
    inv = invertStack(invInput, invOpts);
  }
  const phase2range = -stack.wavelength / (4 * Math.PI);
  const ts = inv.ts.map((t) => {
    const o = new Float32Array(nPix);
    for (let p = 0; p < nPix; p++) o[p] = inv.numInvIfgram[p] > 0 ? t[p] * phase2range : NaN;
    return o;
  });
  const tsRaw = ts.map((t) => Float32Array.from(t));
  const maskTempCoh = Uint8Array.from(inv.temporalCoherence, (c) => (c >= params.minTempCoh ? 1 : 0));
  const bperpDates = bperpTimeseries(net, keptPairs.map((i) => stack.bperp[i]));
  lap("invertNetwork");

  const result: Partial<SbasResult> = {};
  let correctionMask = maskTempCoh;
  if (Number.isFinite(params.correctionMaskMaxVelocity)) {
    const raw = fitTimeFunctions(tsRaw, dates, { polynomial: 1, periodic: [], stepDates: [] }, { mask: maskTempCoh });
    const v = raw.params[1];
    correctionMask = Uint8Array.from(maskTempCoh, (m, p) => (m && Math.abs(v[p]) <= params.correctionMaskMaxVelocity ? 1 : 0));
    let n = 0;
    for (const m of correctionMask) n += m;
    if (n < 50) {
      notes.push(`only ${n} reliable pixels with |raw velocity| ≤ ${params.correctionMaskMaxVelocity} m/yr: corrections fitted on maskTempCoh`);
      correctionMask = maskTempCoh;
    }
  }
  // correct_troposphere
  if (params.troposphere === "height_correlation") {
    if (!stack.geometry.height) notes.push("troposphere: no DEM height in the stack, step skipped");
    else {
      const tr = troposphereElevation(ts, stack.geometry.height, stack.width, stack.height, correctionMask, reference.index, {
        polyOrder: params.tropoPolyOrder,
        looks: Math.max(1, Math.min(params.tropoLooks, Math.floor(Math.min(stack.width, stack.height) / 4))),
        minCorrelation: params.tropoMinCorrelation,
      });
      result.troposphere = { coefficients: tr.coefficients.map((c) => c[1] ?? 0), correlation: Array.from(tr.correlation) };
    }
  }
  lap("troposphere");
  // deramp
  if (params.deramp !== "no") {
    const r = deramp(ts, stack.width, stack.height, params.deramp, correctionMask, reference.index);
    result.ramps = r.coefficients.map((c) => Array.from(c));
  }
  lap("deramp");
  // correct_topography
  let residual: Float32Array[] = ts;
  if (params.topographicResidual) {
    const g = stack.geometry;
    if (!g.incidenceAngle || !g.slantRangeDistance) notes.push("DEM error: no incidence angle / slant range, step skipped");
    else {
      const de = demErrorCorrection(
        ts,
        dates,
        bperpDates,
        g.incidenceAngle,
        g.slantRangeDistance,
        { model: { polynomial: params.demErrPolyOrder, periodic: [], stepDates: params.demErrStepDates }, excludeDates: [] },
        opts.quiet ?? true,
      );
      result.demError = de.demError;
      residual = de.residual;
    }
  }
  lap("demError");
  // residual_RMS → reference_date
  const rms = residualRms(residual, stack.width, stack.height, maskTempCoh, "quadratic");
  let refIdx = 0;
  if (params.referenceDate === "auto") {
    let best = Infinity;
    rms.forEach((v, i) => {
      if (v < best) {
        best = v;
        refIdx = i;
      }
    });
  } else if (params.referenceDate !== "first") {
    refIdx = dates.indexOf(params.referenceDate);
    if (refIdx < 0) throw new Error(`reference date ${params.referenceDate} is not among the time-series dates`);
  }
  if (refIdx !== 0) referenceDate(ts, refIdx);
  lap("referenceDate");
  // velocity: a cos/sin pair is only determined when the series spans its period
  const spanYears = daysBetween(dates[0], dates[dates.length - 1]) / 365.25;
  const periodic = params.periodic.filter((p) => p <= spanYears);
  if (periodic.length < params.periodic.length)
    notes.push(`velocity: periodic terms longer than the ${spanYears.toFixed(2)}-year span dropped (${params.periodic.filter((p) => p > spanYears).join(", ")} yr)`);
  const fit = fitTimeFunctions(ts, dates, { polynomial: params.polynomial, periodic, stepDates: params.stepDates }, {
    refDate: dates[refIdx],
  });
  const vi = fit.names.indexOf("velocity");
  lap("velocity");
  return {
    dates,
    network: { ...net, keptPairs, dropped, components },
    reference,
    avgSpatialCoherence: avgCoh,
    bperpDates,
    tsRaw,
    ts,
    temporalCoherence: inv.temporalCoherence,
    numInvIfgram: inv.numInvIfgram,
    maskTempCoh,
    rankDeficientPixels: inv.rankDeficient,
    troposphere: result.troposphere,
    ramps: result.ramps,
    demError: result.demError,
    residualRms: Array.from(rms),
    refDate: dates[refIdx],
    fit,
    velocity: vi >= 0 ? fit.params[vi] : new Float32Array(nPix).fill(NaN),
    velocityStd: vi >= 0 ? fit.std[vi] : new Float32Array(nPix).fill(NaN),
    timings,
    notes,
  };
}
