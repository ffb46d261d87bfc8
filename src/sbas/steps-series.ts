/**
 * The time-series steps, MintPy smallbaselineApp's correct_troposphere → deramp → correct_topography
 * → residual_RMS/reference_date → velocity. Each copies the series it reads before correcting it, and
 * writes its product as MintPy names it (timeseries_tropHgt.h5, …_ramp.h5, …_demErr.h5, demErr.h5,
 * timeseriesResidual.h5, the final timeseries.h5 and velocity.h5).
 */
import { join } from "node:path";
import { deramp, demErrorCorrection, referenceDate, residualRms, troposphereElevation } from "./corrections";
import { HASH_ATTR, read2D, readSeries, write2D, writeSeries, type Series } from "./products";
import type { SbasParams } from "./params";
import type { StepContext, StepDef } from "./step-types";
import { checkPeriodic, fitTimeFunctions } from "./timefunc";
import { residualStructure } from "./uncertainty";

/** MintPy's file name after the corrections enabled up to and including `step`. */
export function seriesFile(p: SbasParams, step: "correct_troposphere" | "deramp" | "correct_topography"): string {
  const parts = ["timeseries"];
  if (p.troposphere !== "no") parts.push("tropHgt");
  if (step !== "correct_troposphere" && p.deramp !== "no") parts.push("ramp");
  if (step === "correct_topography" && p.topographicResidual) parts.push("demErr");
  return `${parts.join("_")}.h5`;
}

function copySeries(s: Series): Series {
  return { ...s, ts: s.ts.map((t) => Float32Array.from(t)) };
}

/** Reliable pixels for fitting ramps and the phase–height ratio (maskTempCoh, optionally without fast movers). */
async function correctionMask(ctx: StepContext): Promise<Uint8Array> {
  const inv = await ctx.get("invert_network");
  const limit = ctx.params.correctionMaskMaxVelocity;
  if (!Number.isFinite(limit)) return inv.maskTempCoh;
  const raw = fitTimeFunctions(inv.series.ts, inv.series.dates, { polynomial: 1, periodic: [], stepDates: [] }, { mask: inv.maskTempCoh });
  const v = raw.params[1];
  const m = Uint8Array.from(inv.maskTempCoh, (k, p) => (k && Math.abs(v[p]) <= limit ? 1 : 0));
  let n = 0;
  for (const k of m) n += k;
  if (n >= 50) return m;
  ctx.notes.push(`only ${n} reliable pixels with |raw velocity| ≤ ${limit} m/yr: corrections fitted on maskTempCoh`);
  return inv.maskTempCoh;
}

async function writeCorrected(ctx: StepContext, file: string, s: Series, hash: string, extra: Record<string, string | number[]> = {}): Promise<void> {
  const { reference: r } = await ctx.get("reference_point");
  await writeSeries(file, await ctx.meta(), s, { REF_Y: String(r.row), REF_X: String(r.col), [HASH_ATTR]: hash, ...extra });
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.map(Number) : v === undefined ? [] : [Number(v)];
}

export const troposphereStep: StepDef<"correct_troposphere"> = {
  name: "correct_troposphere",
  enabled: (p) => p.troposphere !== "no",
  files: (p) => [seriesFile(p, "correct_troposphere")],
  async compute(ctx) {
    const p = ctx.params;
    const stack = await ctx.get("load");
    const { reference } = await ctx.get("reference_point");
    const series = copySeries(await ctx.latestSeries("correct_troposphere"));
    if (!stack.geometry.height) {
      ctx.notes.push("troposphere: no DEM height in the stack, step skipped");
      return { series, coefficients: [] };
    }
    const tr = troposphereElevation(series.ts, stack.geometry.height, stack.width, stack.height, await correctionMask(ctx), reference.index, {
      polyOrder: p.tropoPolyOrder,
      looks: Math.max(1, Math.min(p.tropoLooks, Math.floor(Math.min(stack.width, stack.height) / 4))),
      minCorrelation: p.tropoMinCorrelation,
    });
    return { series, coefficients: tr.coefficients.map((c) => [c[1] ?? 0]), correlation: Array.from(tr.correlation) };
  },
  async write(ctx, dir, v, hash) {
    await writeCorrected(ctx, join(dir, seriesFile(ctx.params, "correct_troposphere")), v.series, hash, {
      TROPO_COEFFICIENT: v.coefficients.map((c) => c[0]),
      TROPO_CORRELATION: v.correlation ?? [],
    });
  },
  async read(ctx, dir) {
    const s = await readSeries(join(dir, seriesFile(ctx.params, "correct_troposphere")), await ctx.meta(), "correct_troposphere");
    return { series: s, coefficients: numbers(s.attrs.TROPO_COEFFICIENT).map((c) => [c]), correlation: numbers(s.attrs.TROPO_CORRELATION) };
  },
};

export const derampStep: StepDef<"deramp"> = {
  name: "deramp",
  enabled: (p) => p.deramp !== "no",
  files: (p) => [seriesFile(p, "deramp")],
  async compute(ctx) {
    const p = ctx.params;
    if (p.deramp === "no") throw new Error("deramp is disabled");
    const meta = await ctx.meta();
    const { reference } = await ctx.get("reference_point");
    const series = copySeries(await ctx.latestSeries("deramp"));
    const r = deramp(series.ts, meta.width, meta.height, p.deramp, await correctionMask(ctx), reference.index);
    return { series, coefficients: r.coefficients.map((c) => Array.from(c)) };
  },
  async write(ctx, dir, v, hash) {
    await writeCorrected(ctx, join(dir, seriesFile(ctx.params, "deramp")), v.series, hash, { RAMP_COEFFICIENTS: v.coefficients.flat() });
  },
  async read(ctx, dir) {
    const s = await readSeries(join(dir, seriesFile(ctx.params, "deramp")), await ctx.meta(), "deramp");
    const flat = numbers(s.attrs.RAMP_COEFFICIENTS);
    const k = s.dates.length ? flat.length / s.dates.length : 0;
    return { series: s, coefficients: s.dates.map((_, d) => flat.slice(d * k, (d + 1) * k)) };
  },
};

export const topographyStep: StepDef<"correct_topography"> = {
  name: "correct_topography",
  enabled: (p) => p.topographicResidual,
  files: (p) => [seriesFile(p, "correct_topography"), "demErr.h5", "timeseriesResidual.h5"],
  async compute(ctx) {
    const p = ctx.params;
    const stack = await ctx.get("load");
    const series = copySeries(await ctx.latestSeries("correct_topography"));
    const g = stack.geometry;
    const nPix = stack.width * stack.height;
    if (!g.incidenceAngle || !g.slantRangeDistance) {
      ctx.notes.push("DEM error: no incidence angle / slant range, step skipped");
      return { series, demError: new Float32Array(nPix).fill(NaN), residual: series };
    }
    const de = demErrorCorrection(series.ts, series.dates, series.bperp, g.incidenceAngle, g.slantRangeDistance, {
      model: { polynomial: p.demErrPolyOrder, periodic: [], stepDates: p.demErrStepDates },
      excludeDates: [],
    });
    return { series, demError: de.demError, residual: { ...series, ts: de.residual } };
  },
  async write(ctx, dir, v, hash) {
    await writeCorrected(ctx, join(dir, seriesFile(ctx.params, "correct_topography")), v.series, hash);
    await write2D(join(dir, "demErr.h5"), await ctx.meta(), "dem", { dem: v.demError }, { UNIT: "m", [HASH_ATTR]: hash });
    await writeCorrected(ctx, join(dir, "timeseriesResidual.h5"), v.residual, hash);
  },
  async read(ctx, dir) {
    const meta = await ctx.meta();
    const series = await readSeries(join(dir, seriesFile(ctx.params, "correct_topography")), meta, "correct_topography");
    const dem = await read2D(join(dir, "demErr.h5"), ["dem"], "correct_topography");
    const residual = await readSeries(join(dir, "timeseriesResidual.h5"), meta, "correct_topography");
    return { series, demError: dem.data.dem, residual };
  },
};

export const referenceDateStep: StepDef<"reference_date"> = {
  name: "reference_date",
  enabled: () => true,
  files: () => ["timeseries.h5"],
  async compute(ctx) {
    const p = ctx.params;
    const meta = await ctx.meta();
    const inv = await ctx.get("invert_network");
    const series = copySeries(await ctx.latestSeries("reference_date"));
    const residual = p.topographicResidual ? (await ctx.get("correct_topography")).residual : series;
    const rms = residualRms(residual.ts, meta.width, meta.height, inv.maskTempCoh, "quadratic");
    let refIdx = 0;
    if (p.referenceDate === "auto") {
      rms.forEach((v, i) => {
        if (v < rms[refIdx]) refIdx = i;
      });
    } else if (p.referenceDate !== "first") {
      refIdx = series.dates.indexOf(p.referenceDate.replaceAll("-", ""));
      if (refIdx < 0) throw new Error(`reference date ${p.referenceDate} is not among the time-series dates`);
    }
    if (refIdx !== 0) referenceDate(series.ts, refIdx);
    return { series: { ...series, refDate: series.dates[refIdx] }, residualRms: Array.from(rms) };
  },
  async write(ctx, dir, v, hash) {
    await writeCorrected(ctx, join(dir, "timeseries.h5"), v.series, hash, { RESIDUAL_RMS: v.residualRms });
  },
  async read(ctx, dir) {
    const s = await readSeries(join(dir, "timeseries.h5"), await ctx.meta(), "reference_date");
    return { series: s, residualRms: numbers(s.attrs.RESIDUAL_RMS) };
  },
};

export const velocityStep: StepDef<"velocity"> = {
  name: "velocity",
  enabled: () => true,
  files: () => ["velocity.h5"],
  async compute(ctx) {
    const p = ctx.params;
    const { series } = await ctx.get("reference_date");
    checkPeriodic(series.dates, p.periodic);
    const model = { polynomial: p.polynomial, periodic: p.periodic, stepDates: p.stepDates };
    const fit = fitTimeFunctions(series.ts, series.dates, model, { refDate: series.refDate });
    if (p.uncertaintyQuantification === "residue") return { fit, uncertainty: { method: "residue (MintPy: white residuals per pixel)" } };
    const net = await ctx.get("modify_network");
    const inv = await ctx.get("invert_network");
    const topo = p.topographicResidual ? await ctx.get("correct_topography") : undefined;
    const demFitted = topo !== undefined && topo.demError.some((v) => v === v);
    const rs = residualStructure(series.ts, net, model, fit, series.refDate, inv.maskTempCoh, demFitted ? series.bperp : undefined);
    fit.std.forEach((s, k) => {
      for (let i = 0; i < s.length; i++) s[i] *= rs.factors[k];
    });
    const vi = fit.names.indexOf("velocity");
    return {
      fit,
      uncertainty: {
        method:
          `atmosphere: residue with white (per date) + network-correlated residual covariance, weights ${rs.white.toExponential(2)} / ${rs.network.toExponential(2)} ` +
          `from ${rs.pixels} pixels${demFitted ? ", DEM-error trade-off included" : ""}`,
        residualCorrelation: rs.lag1,
        factor: rs.factors[vi],
      },
    };
  },
  async write(ctx, dir, v, hash) {
    const ds: Record<string, Float32Array> = {};
    v.fit.names.forEach((name, i) => {
      ds[name] = v.fit.params[i];
      ds[`${name}Std`] = v.fit.std[i];
    });
    ds.residue = v.fit.residue;
    const { series } = await ctx.get("reference_date");
    const { reference: r } = await ctx.get("reference_point");
    await write2D(join(dir, "velocity.h5"), await ctx.meta(), "velocity", ds, {
      UNIT: "m/year",
      REF_Y: String(r.row),
      REF_X: String(r.col),
      REF_DATE: series.refDate,
      START_DATE: series.dates[0],
      END_DATE: series.dates[series.dates.length - 1],
      TIME_FUNC_NAMES: v.fit.names.join(","),
      UNCERTAINTY: JSON.stringify(v.uncertainty),
      [HASH_ATTR]: hash,
    });
  },
  async read(_ctx, dir) {
    const file = join(dir, "velocity.h5");
    const head = await read2D(file, [], "velocity");
    const names = String(head.attrs.TIME_FUNC_NAMES ?? "velocity").split(",");
    const { data } = await read2D(file, [...names, ...names.map((n) => `${n}Std`), "residue"], "velocity");
    return {
      fit: { names, params: names.map((n) => data[n]), std: names.map((n) => data[`${n}Std`]), residue: data.residue },
      uncertainty: JSON.parse(String(head.attrs.UNCERTAINTY ?? '{"method":"residue"}')) as { method: string },
    };
  },
};
