/**
 * The first steps of the chain, MintPy smallbaselineApp's load_data → modify_network →
 * reference_point → invert_network, each reading the product before it and writing its own.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { compactDate } from "../core/dates";
import { UsageError } from "../core/errors";
import { loadStack } from "./load";
import { readMintpyStack, writeMintpyGeometry, writeMintpyStack } from "./mintpy-h5";
import { bperpTimeseries, countComponents, modifyNetwork } from "./network";
import { averageSpatialCoherence, parseReference, selectReferencePoint, type ReferencePoint, type ReferenceSpec } from "./reference";
import { invertStack, invertStackParallel, type StackInversionInput } from "./inversion-stack";
import type { InversionOptions, InversionResult } from "./inversion";
import { independentLooks } from "./weights";
import { HASH_ATTR, read2D, readJson, readSeries, write2D, writeJson, writeSeries } from "./products";
import type { NetworkProduct, StepContext, StepDef } from "./step-types";
import { checkPeriodic } from "./timefunc";
import { pairName } from "./types";

export const loadStep: StepDef<"load"> = {
  name: "load",
  enabled: () => true,
  files: () => ["inputs/ifgramStack.h5", "inputs/geometryGeo.h5"],
  async compute(ctx) {
    if (ctx.stackIn) return ctx.stackIn;
    if (!ctx.input) throw new UsageError("the load step needs --input");
    return loadStack(ctx.input, { quiet: ctx.quiet });
  },
  async write(_ctx, dir, stack, hash) {
    await writeMintpyStack(join(dir, "inputs", "ifgramStack.h5"), stack, { [HASH_ATTR]: hash });
    await writeMintpyGeometry(join(dir, "inputs", "geometryGeo.h5"), stack);
  },
  read: (_ctx, dir) => readMintpyStack(join(dir, "inputs", "ifgramStack.h5")),
};

function dateParam(name: string, v: string): string | undefined {
  if (v === "no" || v === "" || v === "auto") return undefined;
  try {
    return compactDate(v.length === 6 ? `20${v}` : v);
  } catch {
    throw new UsageError(`parameter ${name}: "${v}" is not a date (YYYYMMDD, YYMMDD or no)`);
  }
}

function pair12(v: string): string {
  const m = /^(\d{6,8})[_-](\d{6,8})$/.exec(v.trim());
  if (!m) throw new UsageError(`parameter excludeDate12: "${v}" is not a pair YYYYMMDD_YYYYMMDD`);
  return `${dateParam("excludeDate12", m[1])}_${dateParam("excludeDate12", m[2])}`;
}

/** An interferogram with no valid unwrapped phase at all (all NaN or all zero, MintPy's no data). */
function isEmpty(phase: Float32Array): boolean {
  for (let p = 0; p < phase.length; p++) {
    const v = phase[p];
    if (v === v && v !== 0) return false;
  }
  return true;
}

export const modifyNetworkStep: StepDef<"modify_network"> = {
  name: "modify_network",
  enabled: () => true,
  files: () => ["network.json"],
  async compute(ctx) {
    const p = ctx.params;
    const stack = await ctx.get("load");
    const notes: string[] = [];
    const empty = stack.unwrapPhase.map(isEmpty);
    const emptyNames = stack.pairs.filter((_, k) => empty[k]).map((pr) => pairName(stack, pr));
    if (emptyNames.length) notes.push(`dropped ${emptyNames.length} interferogram(s) with no valid unwrapped phase (all NaN or zero): ${emptyNames.join(", ")}`);
    const meanCoh = stack.coherence.map((c) => {
      let s = 0;
      let n = 0;
      for (const v of c) if (v === v) (s += v), n++;
      return n ? s / n : NaN;
    });
    const mod = modifyNetwork(
      stack.dates,
      stack.pairs,
      stack.bperp,
      {
        tempBaseMax: p.tempBaseMax,
        perpBaseMax: p.perpBaseMax,
        connNumMax: p.connNumMax,
        startDate: dateParam("startDate", p.startDate),
        endDate: dateParam("endDate", p.endDate),
        excludeDate: p.excludeDate.map((d) => compactDate(d)),
        excludeDate12: p.excludeDate12.map(pair12),
        excludeIfgIndex: p.excludeIfgIndex,
        coherenceBased: p.coherenceBased,
        minCoherence: p.minCoherence,
        keepMinSpanTree: p.keepMinSpanTree,
      },
      meanCoh,
    );
    const keep = stack.keep.map((k, i) => k && mod.keep[i] && !empty[i]);
    const reason = (i: number): string => (empty[i] ? "no valid unwrapped phase (all NaN or zero)" : !stack.keep[i] ? "dropped in input (dropIfgram)" : mod.reasons[i]);
    const keptPairs = stack.pairs.map((_, i) => i).filter((i) => keep[i]);
    if (!keptPairs.length) throw new UsageError(`${stack.source}: network modification dropped every interferogram`);
    const used = [...new Set(keptPairs.flatMap((i) => stack.pairs[i]))].sort((a, b) => a - b);
    const remap = new Map(used.map((d, i) => [d, i]));
    const dates = used.map((d) => stack.dates[d]);
    const pairs = keptPairs.map((i) => [remap.get(stack.pairs[i][0])!, remap.get(stack.pairs[i][1])!] as [number, number]);
    const components = countComponents(dates.length, pairs);
    if (components > 1)
      notes.push(`network has ${components} disconnected subsets: solved with the minimum-norm velocity (no displacement assumed across gaps)`);
    checkPeriodic(dates, p.periodic);
    return {
      keep,
      pairNames: stack.pairs.map((pr) => pairName(stack, pr)),
      dropped: stack.pairs.map((_, i) => i).filter((i) => !keep[i]).map((i) => ({ index: i, pair: pairName(stack, stack.pairs[i]), reason: reason(i) })),
      dates,
      pairs,
      keptPairs,
      components,
      notes,
    };
  },
  async write(_ctx, dir, v, hash) {
    writeJson(join(dir, "network.json"), { stepHash: hash, ...v });
  },
  read: async (_ctx, dir) => readJson<NetworkProduct>(join(dir, "network.json"), "modify_network"),
};

export const referencePointStep: StepDef<"reference_point"> = {
  name: "reference_point",
  enabled: () => true,
  files: () => ["reference_point.json", "avgSpatialCoh.h5"],
  async compute(ctx) {
    const stack = await ctx.get("load");
    const net = await ctx.get("modify_network");
    const avg = averageSpatialCoherence(stack, net.keep);
    let spec: ReferenceSpec = parseReference(ctx.params.reference);
    let fromStack = false;
    // Like MintPy's reference_point, keep a reference already recorded in the stack (REF_Y/REF_X).
    if (spec === "auto" && stack.attrs.REF_Y !== undefined && Number.isInteger(Number(stack.attrs.REF_Y)) && Number.isInteger(Number(stack.attrs.REF_X))) {
      spec = { row: Number(stack.attrs.REF_Y), col: Number(stack.attrs.REF_X) };
      fromStack = true;
    }
    const reference = selectReferencePoint(stack, net, spec, avg, {
      minCoherence: ctx.params.referenceMinCoherence,
      warnVelocity: ctx.params.referenceWarnVelocity,
      previous: ctx.previousReference,
    });
    if (fromStack) {
      reference.method = "stack";
      reference.how = `taken from the stack's REF_Y/REF_X (row ${reference.row}, col ${reference.col}), as MintPy keeps it`;
    }
    return { reference, avgSpatialCoherence: avg };
  },
  async write(ctx, dir, v, hash) {
    const meta = await ctx.meta();
    const r = v.reference;
    await write2D(join(dir, "avgSpatialCoh.h5"), meta, "mask", { coherence: v.avgSpatialCoherence }, { UNIT: "1", REF_Y: String(r.row), REF_X: String(r.col) });
    writeJson(join(dir, "reference_point.json"), { stepHash: hash, ...r });
  },
  async read(_ctx, dir) {
    const reference = readJson<ReferencePoint & { stepHash?: string }>(join(dir, "reference_point.json"), "reference_point");
    delete reference.stepHash;
    const { data } = await read2D(join(dir, "avgSpatialCoh.h5"), ["coherence"], "reference_point");
    return { reference, avgSpatialCoherence: data.coherence };
  },
};

/**
 * What invert_network inverts, from the products of load, modify_network and reference_point: the kept
 * pairs' phase and coherence, the reference pixel's phase per pair, and the pixels to skip (zero
 * average spatial coherence, water). Exported so row blocks can also be inverted elsewhere (src/queue).
 */
export async function prepareInversion(ctx: StepContext): Promise<{ input: StackInversionInput; opts: InversionOptions }> {
  const p = ctx.params;
  const stack = await ctx.get("load");
  const net = await ctx.get("modify_network");
  const { reference, avgSpatialCoherence: avg } = await ctx.get("reference_point");
  const nPix = stack.width * stack.height;
  const skip = new Uint8Array(nPix);
  for (let i = 0; i < nPix; i++) if (avg[i] === 0 || (stack.geometry.waterMask && !stack.geometry.waterMask[i])) skip[i] = 1;
  const phase = net.keptPairs.map((i) => stack.unwrapPhase[i]);
  const input = {
    net: { dates: net.dates, pairs: net.pairs },
    width: stack.width,
    height: stack.height,
    phase,
    coherence: net.keptPairs.map((i) => stack.coherence[i]),
    refPhase: Float64Array.from(phase, (ph) => ph[reference.index]),
    skip,
    refIndex: reference.index,
    maxMemoryBytes: p.maxMemoryGB * 2 ** 30,
    quiet: ctx.quiet,
  };
  return { input, opts: { weightFunc: p.weightFunc, minRedundancy: p.minRedundancy, looks: independentLooks(stack.attrs) } };
}

export const invertNetworkStep: StepDef<"invert_network"> = {
  name: "invert_network",
  enabled: () => true,
  files: () => ["timeseries_raw.h5", "temporalCoherence.h5", "numInvIfgram.h5", "maskTempCoh.h5"],
  async compute(ctx) {
    const p = ctx.params;
    const stack = await ctx.get("load");
    const net = await ctx.get("modify_network");
    const { input, opts } = await prepareInversion(ctx);
    let inv: InversionResult;
    if (ctx.invert) inv = await ctx.invert(input, opts);
    else {
      try {
        inv = await invertStackParallel(input, opts, p.threads > 0 ? p.threads : availableParallelism());
      } catch (e) {
        ctx.notes.push(`worker threads unavailable (${(e as Error).message}); inverted on one thread`);
        inv = invertStack(input, opts);
      }
    }
    const phase2range = -stack.wavelength / (4 * Math.PI);
    const ts = inv.ts.map((t) => Float32Array.from(t, (v, i) => (inv.numInvIfgram[i] > 0 ? v * phase2range : NaN)));
    return {
      series: { dates: net.dates, ts, bperp: bperpTimeseries(net, net.keptPairs.map((i) => stack.bperp[i])), refDate: net.dates[0] },
      temporalCoherence: inv.temporalCoherence,
      numInvIfgram: Float32Array.from(inv.numInvIfgram),
      maskTempCoh: Uint8Array.from(inv.temporalCoherence, (c) => (c >= p.minTempCoh ? 1 : 0)),
      rankDeficient: inv.rankDeficient,
    };
  },
  async write(ctx, dir, v, hash) {
    const meta = await ctx.meta();
    const { reference: r } = await ctx.get("reference_point");
    const a = { REF_Y: String(r.row), REF_X: String(r.col), [HASH_ATTR]: hash };
    await writeSeries(join(dir, "timeseries_raw.h5"), meta, v.series, a);
    await write2D(join(dir, "temporalCoherence.h5"), meta, "temporalCoherence", { temporalCoherence: v.temporalCoherence }, { ...a, UNIT: "1", RANK_DEFICIENT_PIXELS: String(v.rankDeficient) });
    await write2D(join(dir, "numInvIfgram.h5"), meta, "mask", { mask: v.numInvIfgram }, { ...a, UNIT: "1" });
    await write2D(join(dir, "maskTempCoh.h5"), meta, "mask", { mask: Float32Array.from(v.maskTempCoh) }, { ...a, UNIT: "1" });
  },
  async read(ctx, dir) {
    const meta = await ctx.meta();
    const series = await readSeries(join(dir, "timeseries_raw.h5"), meta, "invert_network");
    const tc = await read2D(join(dir, "temporalCoherence.h5"), ["temporalCoherence"], "invert_network");
    const num = await read2D(join(dir, "numInvIfgram.h5"), ["mask"], "invert_network");
    const mask = await read2D(join(dir, "maskTempCoh.h5"), ["mask"], "invert_network");
    return {
      series: { dates: series.dates, ts: series.ts, bperp: series.bperp, refDate: series.refDate },
      temporalCoherence: tc.data.temporalCoherence,
      numInvIfgram: num.data.mask,
      maskTempCoh: Uint8Array.from(mask.data.mask),
      rankDeficient: Number(tc.attrs.RANK_DEFICIENT_PIXELS ?? 0),
    };
  },
};
