/**
 * SBAS network inversion as queue jobs. The run step does what `runSbas` does before `invert_network`
 * (network modification, reference point, skip mask) and writes each row block's referenced phase,
 * coherence and skip mask to its own file, so a worker reads only its block. A job inverts one block
 * with `SbasSolver.solveBlock`; the merge job assembles the time series, temporal coherence and
 * interferogram counts. Pixels are solved independently, so the result is the bytes `invertStack`
 * gives on one machine for any block split.
 *
 * The input is what `npm run sbas`'s invert_network step inverts (`prepareInversion`), copied block by
 * block with the step's own `referencedBlock`; the merge sets the reference pixel with `finishReference`.
 */
import { openSync, readFileSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";
import { SbasSolver, emptyResult, type InversionOptions, type InversionResult } from "../sbas/inversion";
import { finishReference, referencedBlock, type StackInversionInput } from "../sbas/inversion-stack";
import { loadStack } from "../sbas/load";
import type { Network } from "../sbas/network";
import type { SbasParams } from "../sbas/params";
import { SbasRun } from "../sbas/run";
import { prepareInversion } from "../sbas/steps-network";
import type { IfgramStack } from "../sbas/types";
import { WEIGHT_FUNCS } from "../sbas/weights";
import { int } from "./payload";
import { readProduct, sha256 } from "./products";
import type { JobHandler, JobSpec, PreparedRun } from "./types";

export interface SbasRunJson {
  kind: "sbas-invert";
  runId: string;
  width: number;
  height: number;
  net: Network;
  opts: InversionOptions;
  weighted: boolean;
  rowsPerBlock: number;
  refIndex: number;
  source: string;
}

/** The input `npm run sbas`'s invert_network step inverts: its steps before it run in memory. */
export async function inversionInput(stack: IfgramStack, params: SbasParams): Promise<{ input: StackInversionInput; opts: InversionOptions }> {
  const ctx = new SbasRun({ params, stack, quiet: true, end: "reference_point" });
  await ctx.run();
  return prepareInversion(ctx);
}

/** Bytes of one block's input: referenced phase per pair, then coherence per pair (weighted), then skip. */
function blockBytes(input: StackInversionInput, opts: InversionOptions, r0: number, r1: number): Uint8Array {
  const blk = referencedBlock(input, opts, r0, r1);
  const arrays = [...blk.phase, ...(blk.coherence ?? [])];
  const out = new Uint8Array(arrays.length * blk.nPix * 4 + blk.nPix);
  arrays.forEach((a, k) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), k * blk.nPix * 4));
  if (blk.skip) out.set(blk.skip, arrays.length * blk.nPix * 4);
  return out;
}

export const blockId = (b: number): string => `b${String(b).padStart(4, "0")}`;

export async function prepareSbasFromStack(dir: string, rel: string, input: StackInversionInput, opts: InversionOptions, rows: number | undefined, source: string): Promise<PreparedRun> {
  const { width, height } = input;
  const weighted = opts.weightFunc !== "no" && Boolean(input.coherence);
  const perRow = width * input.phase.length * 4 * (weighted ? 2 : 1);
  const budgetRows = Math.max(1, Math.floor(input.maxMemoryBytes / Math.max(1, perRow)));
  const rowsPerBlock = Math.max(1, Math.min(height, rows ?? Math.min(budgetRows, Math.ceil(height / 16))));
  const nBlocks = Math.ceil(height / rowsPerBlock);
  let inputHash = "";
  for (let b = 0; b < nBlocks; b++) {
    const bytes = blockBytes(input, opts, b * rowsPerBlock, Math.min(height, (b + 1) * rowsPerBlock));
    writeFileAtomic(join(dir, "input", `${blockId(b)}.bin`), bytes);
    inputHash += sha256(bytes);
  }
  const body = { kind: "sbas-invert" as const, width, height, net: input.net, opts, weighted, rowsPerBlock, refIndex: input.refIndex ?? -1, source };
  const runId = sha256(JSON.stringify(body) + inputHash).slice(0, 16);
  const run: SbasRunJson = { ...body, runId };
  writeFileAtomic(join(dir, "run.json"), JSON.stringify(run, null, 2) + "\n");
  const jobs: JobSpec[] = Array.from({ length: nBlocks }, (_, b) => ({ type: "sbas-block", id: blockId(b), payload: { run: rel, runId, id: blockId(b), block: b } }));
  return { dir, rel, runId, jobs, merge: { type: "sbas-merge", id: "merge", payload: { run: rel, runId, id: "merge" } } };
}

export async function prepareSbas(dir: string, rel: string, o: { input: string; params: SbasParams; rows?: number }): Promise<PreparedRun> {
  const stack = await loadStack(o.input, { quiet: true });
  const { input, opts } = await inversionInput(stack, o.params);
  return prepareSbasFromStack(dir, rel, input, opts, o.rows, o.input);
}

function readRun(dir: string): SbasRunJson {
  const f = join(dir, "run.json");
  const run = JSON.parse(readFileSync(f, "utf8")) as SbasRunJson;
  if (run.kind !== "sbas-invert") throw new FileError(f, `is a ${run.kind} run, not sbas-invert`);
  if (!WEIGHT_FUNCS.includes(run.opts.weightFunc)) throw new FileError(f, `unknown weight function ${JSON.stringify(run.opts.weightFunc)}`);
  return run;
}

const solvers = new Map<string, SbasSolver>();

export const sbasBlock: JobHandler = {
  fields: ["block"],
  async run(dir, raw) {
    const run = readRun(dir);
    const nBlocks = Math.ceil(run.height / run.rowsPerBlock);
    const b = int(raw, "block", 0, nBlocks - 1);
    const r0 = b * run.rowsPerBlock;
    const nPix = (Math.min(run.height, r0 + run.rowsPerBlock) - r0) * run.width;
    const m = run.net.pairs.length;
    const f = join(dir, "input", `${blockId(b)}.bin`);
    const expected = nPix * m * 4 * (run.weighted ? 2 : 1) + nPix;
    const size = statSync(f, { throwIfNoEntry: false })?.size;
    if (size !== expected) throw new FileError(f, size === undefined ? "missing" : `${size} bytes; block ${b} of ${m} pairs × ${nPix} pixels needs ${expected}`);
    const buf = new Uint8Array(expected);
    const fd = openSync(f, "r");
    try {
      readSync(fd, buf, 0, expected, 0);
    } finally {
      closeSync(fd);
    }
    const fl = new Float32Array(buf.buffer, 0, nPix * m * (run.weighted ? 2 : 1));
    const phase = Array.from({ length: m }, (_, k) => fl.subarray(k * nPix, (k + 1) * nPix));
    const coherence = run.weighted ? Array.from({ length: m }, (_, k) => fl.subarray((m + k) * nPix, (m + k + 1) * nPix)) : undefined;
    const skip = buf.subarray(fl.byteLength);
    if (!solvers.has(run.runId)) {
      solvers.clear();
      solvers.set(run.runId, new SbasSolver(run.net, run.opts));
    }
    const out = emptyResult(run.net.dates.length, nPix);
    solvers.get(run.runId)!.solveBlock({ nPix, phase, coherence, skip }, out);
    return encodeResult(out, nPix);
  },
};

function encodeResult(out: InversionResult, nPix: number): Uint8Array {
  const nd = out.ts.length;
  const bytes = new Uint8Array(8 + (nd + 1) * nPix * 4 + nPix * 2);
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, out.inverted, true);
  dv.setInt32(4, out.rankDeficient, true);
  out.ts.forEach((t, d) => bytes.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), 8 + d * nPix * 4));
  bytes.set(new Uint8Array(out.temporalCoherence.buffer), 8 + nd * nPix * 4);
  bytes.set(new Uint8Array(out.numInvIfgram.buffer), 8 + (nd + 1) * nPix * 4);
  return bytes;
}

/** The assembled inversion of a finished run (the merge job's products, read back). */
export function readSbasProducts(dir: string): InversionResult & { dates: string[]; width: number; height: number } {
  const info = JSON.parse(readFileSync(join(dir, "inversion.json"), "utf8")) as { dates: string[]; width: number; height: number; inverted: number; rankDeficient: number };
  const nPix = info.width * info.height;
  const tsb = readFileSync(join(dir, "timeseries.f32"));
  const ts = info.dates.map((_, d) => new Float32Array(tsb.buffer.slice(tsb.byteOffset + d * nPix * 4, tsb.byteOffset + (d + 1) * nPix * 4)));
  const tc = readFileSync(join(dir, "temporalCoherence.f32"));
  const ni = readFileSync(join(dir, "numInvIfgram.i16"));
  return { ...info, ts, temporalCoherence: new Float32Array(tc.buffer.slice(tc.byteOffset, tc.byteOffset + tc.byteLength)), numInvIfgram: new Int16Array(ni.buffer.slice(ni.byteOffset, ni.byteOffset + ni.byteLength)) };
}

export const sbasMerge: JobHandler = {
  fields: [],
  async run(dir, _raw, runId) {
    const run = readRun(dir);
    const nPix = run.width * run.height;
    const nd = run.net.dates.length;
    const full = emptyResult(nd, nPix);
    const nBlocks = Math.ceil(run.height / run.rowsPerBlock);
    for (let b = 0; b < nBlocks; b++) {
      const bytes = readProduct(dir, runId, blockId(b));
      const p0 = b * run.rowsPerBlock * run.width;
      const n = (Math.min(run.height, (b + 1) * run.rowsPerBlock) - b * run.rowsPerBlock) * run.width;
      if (bytes.byteLength !== 8 + (nd + 1) * n * 4 + n * 2) throw new FileError(join(dir, "jobs", `${blockId(b)}.bin`), `${bytes.byteLength} bytes do not hold ${nd} dates × ${n} pixels`);
      const copy = bytes.slice();
      const dv = new DataView(copy.buffer);
      full.inverted += dv.getInt32(0, true);
      full.rankDeficient += dv.getInt32(4, true);
      for (let d = 0; d < nd; d++) full.ts[d].set(new Float32Array(copy.buffer, 8 + d * n * 4, n), p0);
      full.temporalCoherence.set(new Float32Array(copy.buffer, 8 + nd * n * 4, n), p0);
      full.numInvIfgram.set(new Int16Array(copy.buffer, 8 + (nd + 1) * n * 4, n), p0);
    }
    finishReference(run, full);
    const tsBytes = new Uint8Array(nd * nPix * 4);
    full.ts.forEach((t, d) => tsBytes.set(new Uint8Array(t.buffer), d * nPix * 4));
    const files: Record<string, Uint8Array> = {
      "timeseries.f32": tsBytes,
      "temporalCoherence.f32": new Uint8Array(full.temporalCoherence.buffer),
      "numInvIfgram.i16": new Uint8Array(full.numInvIfgram.buffer),
      "inversion.json": new TextEncoder().encode(
        JSON.stringify({ dates: run.net.dates, width: run.width, height: run.height, inverted: full.inverted, rankDeficient: full.rankDeficient, units: "radians, first date 0", layout: "little-endian, date-major, row-major" }, null, 2) + "\n",
      ),
    };
    for (const [name, data] of Object.entries(files)) writeFileAtomic(join(dir, name), data);
    return new TextEncoder().encode(JSON.stringify({ files: Object.entries(files).map(([name, data]) => ({ name, sha256: sha256(data) })) }) + "\n");
  },
};
