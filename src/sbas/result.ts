/**
 * One object with everything a run produced (what notebooks and the exporters read), gathered from
 * the steps' products, whether this run made them or read them from `--out`.
 */
import type { ReferencePoint } from "./reference";
import type { NetworkProduct, StepContext, VelocityProduct } from "./step-types";
import type { TimeFuncFit } from "./timefunc";

export interface SbasResult {
  /** Dates of the time series (those the kept network touches). */
  dates: string[];
  network: NetworkProduct;
  reference: ReferencePoint;
  avgSpatialCoherence: Float32Array;
  /** Per-date bperp relative to the first date (m). */
  bperpDates: Float64Array;
  /** Raw inverted displacement time series (m), before corrections, referenced to the first date. */
  tsRaw: Float32Array[];
  /** Final corrected time series (m), referenced to `refDate`. */
  ts: Float32Array[];
  temporalCoherence: Float32Array;
  numInvIfgram: Float32Array;
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
  uncertainty: VelocityProduct["uncertainty"];
  timings: Record<string, number>;
  notes: string[];
}

export async function collectResult(ctx: StepContext, timings: Record<string, number> = ctx.timings): Promise<SbasResult> {
  const p = ctx.params;
  const network = await ctx.get("modify_network");
  const { reference, avgSpatialCoherence } = await ctx.get("reference_point");
  const inv = await ctx.get("invert_network");
  const tropo = p.troposphere !== "no" ? await ctx.get("correct_troposphere") : undefined;
  const ramp = p.deramp !== "no" ? await ctx.get("deramp") : undefined;
  const topo = p.topographicResidual ? await ctx.get("correct_topography") : undefined;
  const rd = await ctx.get("reference_date");
  const vel = await ctx.get("velocity");
  const vi = vel.fit.names.indexOf("velocity");
  const nPix = inv.temporalCoherence.length;
  const demError = topo && topo.demError.some((v) => v === v) ? topo.demError : undefined;
  return {
    dates: rd.series.dates,
    network,
    reference,
    avgSpatialCoherence,
    bperpDates: inv.series.bperp,
    tsRaw: inv.series.ts,
    ts: rd.series.ts,
    temporalCoherence: inv.temporalCoherence,
    numInvIfgram: inv.numInvIfgram,
    maskTempCoh: inv.maskTempCoh,
    rankDeficientPixels: inv.rankDeficient,
    troposphere: tropo && tropo.coefficients.length ? { coefficients: tropo.coefficients.map((c) => c[0]), correlation: tropo.correlation ?? [] } : undefined,
    ramps: ramp?.coefficients,
    demError,
    residualRms: rd.residualRms,
    refDate: rd.series.refDate,
    fit: vel.fit,
    velocity: vi >= 0 ? vel.fit.params[vi] : new Float32Array(nPix).fill(NaN),
    velocityStd: vi >= 0 ? vel.fit.std[vi] : new Float32Array(nPix).fill(NaN),
    uncertainty: vel.uncertainty,
    timings,
    notes: [...network.notes, ...ctx.notes, ...reference.warnings.map((w) => `warning: ${w}`)],
  };
}
