/**
 * The PS-InSAR chain end to end (paper Fig 2) as the named steps of `steps.ts`:
 *   select → link → network → integrate → filter → outputs
 * `runPs` runs them in memory and returns every intermediate the notebook draws. `runPsSteps` runs
 * them against an output folder as MintPy's smallbaselineApp does: each step reads the previous
 * steps' products from the folder (`products.ts`) and writes its own; `dostep` / `start` / `end` pick
 * the steps, and a step whose product already carries the hash of the current input and parameters is
 * skipped unless `force` is set.
 */
import { UsageError } from "../core/errors";
import { PS_STEPS, type PsParams, type PsStep } from "./params";
import type { StackSource } from "./stack";
import { openStack } from "./open";
import {
  filterStep,
  integrateStep,
  linkStep,
  networkStep,
  selectStep,
  type FilterProduct,
  type IntegrateProduct,
  type LinkProduct,
  type NetworkProduct,
  type SelectProduct,
  type StepOptions,
} from "./steps";
import { assembleRun, type PsRun } from "./timeseries";
import {
  inputFingerprint,
  productHash,
  PRODUCT_FILES,
  readFilterProduct,
  readIntegrateProduct,
  readLinkProduct,
  readNetworkProduct,
  readSelectProduct,
  stepHashes,
  writeFilterProduct,
  writeIntegrateProduct,
  writeLinkProduct,
  writeNetworkProduct,
  writeSelectProduct,
} from "./products";
import { writePsOutputs, type WrittenOutputs } from "./outputs";
import { existsSync } from "node:fs";
import { join } from "node:path";

export { PS_STEPS, type PsStep } from "./params";
export type { FlowStep, PsCounts, PsRun } from "./timeseries";
export { stableReference } from "./steps";

export type PsRunOptions = StepOptions;

/** All six steps in memory. */
export async function runPs(stack: StackSource, params: PsParams, opts: PsRunOptions = {}): Promise<PsRun> {
  const sel = selectStep(stack, params, opts);
  const link = linkStep(stack, sel, params);
  const net = await networkStep(sel, link, params, opts);
  const integ = integrateStep(sel, link, net, params, opts);
  const filt = filterStep(sel, link, net, integ, params, opts);
  return assembleRun(sel, link, net, integ, filt, params);
}

export interface StepRange {
  /** Run this one step only. */
  dostep?: string;
  /** First and last step to run (inclusive); default the first and the last. */
  start?: string;
  end?: string;
}

function stepName(option: string, s: string): PsStep {
  if (!(PS_STEPS as readonly string[]).includes(s)) throw new UsageError(`--${option} "${s}" is not a step (steps: ${PS_STEPS.join(", ")})`);
  return s as PsStep;
}

/** The steps a range names, in order; names are checked. */
export function stepsOf(r: StepRange): PsStep[] {
  if (r.dostep !== undefined) {
    if (r.start !== undefined || r.end !== undefined) throw new UsageError("--dostep cannot be combined with --start or --end");
    return [stepName("dostep", r.dostep)];
  }
  const a = PS_STEPS.indexOf(r.start === undefined ? PS_STEPS[0] : stepName("start", r.start));
  const b = PS_STEPS.indexOf(r.end === undefined ? PS_STEPS[PS_STEPS.length - 1] : stepName("end", r.end));
  if (a > b) throw new UsageError(`--start ${PS_STEPS[a]} comes after --end ${PS_STEPS[b]}`);
  return PS_STEPS.slice(a, b + 1);
}

export interface PsStepsOptions extends StepOptions {
  steps?: StepRange;
  /** Re-run the chosen steps even when their products are up to date. */
  force?: boolean;
  /** Also write ps.h5 (MintPy point time series) in the outputs step. */
  hdf5?: boolean;
}

export interface PsStepsReport {
  ran: PsStep[];
  skipped: PsStep[];
  /** Files written by the steps that ran. */
  files: string[];
  /** The assembled run when the outputs step ran. */
  run?: PsRun;
  outputs?: WrittenOutputs;
}

/**
 * Runs the chosen steps on the stack at `input` into the folder `out` (which must exist or be
 * creatable; the caller checks it before any work). Each product is written atomically, the
 * outputs step's summary.json last.
 */
export async function runPsSteps(input: string, out: string, params: PsParams, opts: PsStepsOptions = {}): Promise<PsStepsReport> {
  const chosen = stepsOf(opts.steps ?? {});
  const hashes = stepHashes(inputFingerprint(input), params, { classicOnly: opts.classicOnly, reference: opts.reference });
  const report: PsStepsReport = { ran: [], skipped: [], files: [] };
  let sel: SelectProduct | undefined;
  let link: LinkProduct | undefined;
  let net: NetworkProduct | undefined;
  let integ: IntegrateProduct | undefined;
  let filt: FilterProduct | undefined;
  const getSel = async (): Promise<SelectProduct> => (sel ??= await readSelectProduct(out, hashes.select));
  const getLink = async (): Promise<LinkProduct> => (link ??= await readLinkProduct(out, hashes.link, await getSel()));
  const getNet = async (): Promise<NetworkProduct> => (net ??= await readNetworkProduct(out, hashes.network));
  const getInteg = async (): Promise<IntegrateProduct> => (integ ??= await readIntegrateProduct(out, hashes.integrate));
  const getFilt = async (): Promise<FilterProduct> => (filt ??= await readFilterProduct(out, hashes.filter));

  for (const step of chosen) {
    if (!opts.force && (await upToDate(out, step, hashes[step], opts.hdf5 === true))) {
      report.skipped.push(step);
      continue;
    }
    switch (step) {
      case "select":
        sel = await withStack(input, (stack) => selectStep(stack, params, opts));
        report.files.push(await writeSelectProduct(out, sel, hashes.select));
        break;
      case "link": {
        const s = await getSel();
        link = await withStack(input, (stack) => linkStep(stack, s, params));
        report.files.push(await writeLinkProduct(out, link, hashes.link));
        break;
      }
      case "network":
        net = await networkStep(await getSel(), await getLink(), params, opts);
        report.files.push(await writeNetworkProduct(out, net, hashes.network));
        break;
      case "integrate":
        integ = integrateStep(await getSel(), await getLink(), await getNet(), params, opts);
        report.files.push(await writeIntegrateProduct(out, integ, hashes.integrate));
        break;
      case "filter": {
        const s = await getSel();
        filt = filterStep(s, await getLink(), await getNet(), await getInteg(), params, opts);
        report.files.push(await writeFilterProduct(out, filt, s.info.dates.length, hashes.filter));
        break;
      }
      case "outputs": {
        const run = assembleRun(await getSel(), await getLink(), await getNet(), await getInteg(), await getFilt(), params);
        report.run = run;
        report.outputs = await writePsOutputs(out, run, { hdf5: opts.hdf5, stepHash: hashes.outputs, steps: stepsState(hashes) });
        report.files.push(...Object.values(report.outputs).filter((f): f is string => typeof f === "string"));
        break;
      }
    }
    report.ran.push(step);
  }
  return report;
}

/** Opens the stack for one step (select and link read pixels) and closes it whatever happens. */
async function withStack<T>(input: string, f: (stack: StackSource) => T): Promise<T> {
  const stack = await openStack(input);
  try {
    return f(stack);
  } finally {
    stack.close?.();
  }
}

function stepsState(hashes: Record<PsStep, string>): Record<string, { file: string; hash: string }> {
  return Object.fromEntries(PS_STEPS.map((s) => [s, { file: PRODUCT_FILES[s], hash: hashes[s] }]));
}

async function upToDate(out: string, step: PsStep, hash: string, hdf5: boolean): Promise<boolean> {
  if ((await productHash(out, step)) !== hash) return false;
  if (step !== "outputs") return true;
  return ["ps.geojson", "ps.csv", ...(hdf5 ? ["ps.h5"] : [])].every((f) => existsSync(join(out, f)));
}
