/**
 * Runs the named SBAS steps (MintPy smallbaselineApp's idea): each step reads the products before it
 * and writes its own into the output folder; `dostep`, `start` and `end` pick the steps, and a step
 * whose product is newer than the products it reads and was made with the same parameters (a hash of
 * the parameters the step reads, stored in the product) is skipped. Without an output folder the
 * steps hand their products over in memory (notebooks, tests).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../core/errors";
import { readMintpyStackMeta, type StackMeta } from "./mintpy-h5";
import { STEP_PARAMS, type SbasParams } from "./params";
import { storedHash, type Series } from "./products";
import { STEPS, type Inverter, type Products, type StepContext, type StepDef, type StepName } from "./step-types";
import { invertNetworkStep, loadStep, modifyNetworkStep, referencePointStep } from "./steps-network";
import { derampStep, referenceDateStep, topographyStep, troposphereStep, velocityStep } from "./steps-series";
import { exportStep } from "./outputs";
import type { IfgramStack } from "./types";

type AnyStep = { [K in StepName]: StepDef<K> }[StepName];

export const STEP_DEFS: { [K in StepName]: StepDef<K> } = {
  load: loadStep,
  modify_network: modifyNetworkStep,
  reference_point: referencePointStep,
  invert_network: invertNetworkStep,
  correct_troposphere: troposphereStep,
  deramp: derampStep,
  correct_topography: topographyStep,
  reference_date: referenceDateStep,
  velocity: velocityStep,
  export: exportStep,
};

export function parseStep(name: string, option: string): StepName {
  if (!(STEPS as readonly string[]).includes(name)) throw new UsageError(`--${option} ${name}: not a step (${STEPS.join(", ")})`);
  return name as StepName;
}

export interface RunOptions {
  params: SbasParams;
  /** Output folder; undefined = in memory. */
  dir?: string;
  input?: string;
  stack?: IfgramStack;
  quiet?: boolean;
  /** Run only this step (always, even when up to date). */
  dostep?: StepName;
  start?: StepName;
  end?: StepName;
  /** Re-run every selected step even when its product is up to date. */
  force?: boolean;
  /** Where invert_network inverts (e.g. queue jobs); absent = in this process. */
  invert?: Inverter;
  log?: (line: string) => void;
}

export interface RunReport {
  ran: StepName[];
  skipped: { step: StepName; why: string }[];
}

export class SbasRun implements StepContext {
  readonly params: SbasParams;
  readonly dir?: string;
  readonly quiet: boolean;
  readonly stackIn?: IfgramStack;
  readonly input?: string;
  readonly invert?: Inverter;
  previousReference?: { row: number; col: number };
  readonly notes: string[] = [];
  readonly timings: Record<string, number> = {};
  private readonly mem = new Map<StepName, unknown>();
  private metaCache?: StackMeta;

  constructor(private readonly opts: RunOptions) {
    this.params = opts.params;
    this.dir = opts.dir;
    this.quiet = opts.quiet ?? true;
    this.stackIn = opts.stack;
    this.input = opts.input;
    this.invert = opts.invert;
  }

  async get<K extends StepName>(step: K): Promise<Products[K]> {
    if (this.mem.has(step)) return this.mem.get(step) as Products[K];
    if (!this.dir) throw new Error(`step ${step} has not run in this in-memory run`);
    const def = STEP_DEFS[step] as StepDef<K>;
    if (!def.enabled(this.params)) throw new Error(`step ${step} is disabled by the parameters`);
    const v = await def.read(this, this.dir);
    this.mem.set(step, v);
    return v;
  }

  async meta(): Promise<StackMeta> {
    if (this.mem.has("load")) return this.mem.get("load") as IfgramStack;
    if (this.stackIn) return this.stackIn;
    if (!this.dir) throw new Error("no stack in this run");
    this.metaCache ??= await readMintpyStackMeta(join(this.dir, "inputs", "ifgramStack.h5"));
    return this.metaCache;
  }

  async latestSeries(before: StepName): Promise<Series> {
    const corrections = (["correct_topography", "deramp", "correct_troposphere"] as const).filter((c) => STEPS.indexOf(c) < STEPS.indexOf(before));
    for (const c of corrections) if (STEP_DEFS[c].enabled(this.params)) return (await this.get(c)).series;
    return (await this.get("invert_network")).series;
  }

  /** The hash of what a step's product depends on besides the products it reads. */
  stepHash(step: StepName): string {
    const keys = STEP_PARAMS[step] as readonly (keyof SbasParams)[];
    const used = Object.fromEntries(keys.map((k) => [k, this.params[k]]));
    const input = step === "load" ? (this.stackIn ? this.stackIn.source : this.input ? resolve(this.input) : "") : "";
    return createHash("sha256").update(JSON.stringify({ step, used, input }, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))).digest("hex").slice(0, 16);
  }

  private mtime(f: string): number {
    return statSync(f).mtimeMs;
  }

  /** Why the step's product on disk is stale, or null when it is up to date. */
  private async staleness(step: StepName): Promise<string | null> {
    const dir = this.dir!;
    const def = STEP_DEFS[step] as AnyStep;
    const files = def.files(this.params).map((f) => join(dir, f));
    const missing = files.find((f) => !existsSync(f));
    if (missing) return `${missing} missing`;
    // Later steps alone (no --input): the stack already loaded into the folder is the input.
    if (step === "load" && !this.input && !this.stackIn) return null;
    if ((await storedHash(files[0])) !== this.stepHash(step)) return "made with other parameters";
    const t = this.mtime(files[0]);
    if (step === "load" && this.input && existsSync(this.input) && this.mtime(this.input) > t) return "input is newer";
    for (const up of STEPS.slice(0, STEPS.indexOf(step))) {
      const u = STEP_DEFS[up] as AnyStep;
      if (!u.enabled(this.params)) continue;
      const f = join(dir, u.files(this.params)[0]);
      if (existsSync(f) && this.mtime(f) > t) return `${up}'s product is newer`;
    }
    return null;
  }

  private readPrevious(): void {
    if (!this.dir) return;
    for (const [f, key] of [["summary.json", "referencePoint"], ["reference_point.json", ""]] as const) {
      const file = join(this.dir, f);
      if (!existsSync(file)) continue;
      try {
        const j = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
        const r = (key ? j[key] : j) as { row?: number; col?: number } | undefined;
        if (r && Number.isInteger(r.row) && Number.isInteger(r.col)) {
          this.previousReference = { row: r.row!, col: r.col! };
          return;
        }
      } catch {
        // an unreadable earlier summary only means there is nothing to compare with
      }
    }
  }

  async run(): Promise<RunReport> {
    const o = this.opts;
    const log = o.log ?? (() => {});
    let steps: StepName[];
    if (o.dostep) steps = [o.dostep];
    else {
      const a = o.start ? STEPS.indexOf(o.start) : 0;
      const b = o.end ? STEPS.indexOf(o.end) : STEPS.length - 1;
      if (a > b) throw new UsageError(`--start ${o.start} comes after --end ${o.end}`);
      steps = STEPS.slice(a, b + 1);
    }
    if (!this.dir) steps = steps.filter((s) => s !== "export");
    this.readPrevious();
    const report: RunReport = { ran: [], skipped: [] };
    for (const step of steps) {
      const def = STEP_DEFS[step] as AnyStep;
      if (!def.enabled(this.params)) {
        report.skipped.push({ step, why: "disabled by the parameters" });
        continue;
      }
      if (this.dir && !o.force && !o.dostep) {
        const why = await this.staleness(step);
        if (why === null) {
          report.skipped.push({ step, why: "up to date" });
          log(`${step}: up to date, skipped`);
          continue;
        }
        log(`${step}: ${why}, running`);
      } else log(`${step}: running`);
      const t0 = performance.now();
      const value = await (def.compute as (c: StepContext) => Promise<unknown>)(this);
      this.mem.set(step, value);
      if (this.dir) await (def.write as (c: StepContext, d: string, v: unknown, h: string) => Promise<void>)(this, this.dir, value, this.stepHash(step));
      this.timings[step] = (performance.now() - t0) / 1000;
      report.ran.push(step);
    }
    return report;
  }
}
