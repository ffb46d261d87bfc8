/**
 * The named steps of the SBAS chain (MintPy smallbaselineApp's step names where one exists) and the
 * product each hands to the next. A step reads earlier products through `ctx.get` — from memory when
 * this run made them, else from their files in `--out` — and never changes them.
 */
import type { SbasParams } from "./params";
import type { IfgramStack } from "./types";
import type { ReferencePoint } from "./reference";
import type { TimeFuncFit } from "./timefunc";
import type { Series } from "./products";
import type { StackMeta } from "./mintpy-h5";
import type { InversionOptions, InversionResult } from "./inversion";
import type { StackInversionInput } from "./inversion-stack";

/**
 * Inverts invert_network's whole input somewhere else (row blocks as queue jobs, src/queue/sbas.ts);
 * it must return what `invertStack` returns for the same input.
 */
export type Inverter = (input: StackInversionInput, opts: InversionOptions) => Promise<InversionResult>;

export const STEPS = [
  "load",
  "modify_network",
  "reference_point",
  "invert_network",
  "correct_troposphere",
  "deramp",
  "correct_topography",
  "reference_date",
  "velocity",
  "export",
] as const;

export type StepName = (typeof STEPS)[number];

export interface NetworkProduct {
  /** Per input pair: kept after modify_network. */
  keep: boolean[];
  /** Names of every input pair (YYYYMMDD_YYYYMMDD). */
  pairNames: string[];
  dropped: { index: number; pair: string; reason: string }[];
  /** Dates touched by the kept pairs and the kept pairs as indices into them. */
  dates: string[];
  pairs: [number, number][];
  /** Indices of the kept pairs in the input stack. */
  keptPairs: number[];
  components: number;
  notes: string[];
}

export interface ReferenceProduct {
  reference: ReferencePoint;
  avgSpatialCoherence: Float32Array;
}

export interface InversionProduct {
  /** Raw time series (m), referenced to the first date. */
  series: Series;
  temporalCoherence: Float32Array;
  numInvIfgram: Float32Array;
  maskTempCoh: Uint8Array;
  rankDeficient: number;
}

export interface CorrectionProduct {
  series: Series;
  /** troposphere: phase–height coefficient per date (m/m); deramp: ramp coefficients per date. */
  coefficients: number[][];
  /** troposphere: |correlation| of phase and height per date. */
  correlation?: number[];
}

export interface TopographyProduct {
  series: Series;
  demError: Float32Array;
  /** Residual of the DEM-error model (MintPy timeseriesResidual.h5). */
  residual: Series;
}

export interface ReferenceDateProduct {
  /** The final time series, referenced to `series.refDate`. */
  series: Series;
  residualRms: number[];
}

export interface VelocityProduct {
  fit: TimeFuncFit;
  /** How velocityStd was computed and the factor applied to MintPy's residue std. */
  uncertainty: { method: string; residualCorrelation?: number; factor?: number };
}

export interface Products {
  load: IfgramStack;
  modify_network: NetworkProduct;
  reference_point: ReferenceProduct;
  invert_network: InversionProduct;
  correct_troposphere: CorrectionProduct;
  deramp: CorrectionProduct;
  correct_topography: TopographyProduct;
  reference_date: ReferenceDateProduct;
  velocity: VelocityProduct;
  export: { files: string[] };
}

export interface StepContext {
  params: SbasParams;
  /** The output folder; undefined for an in-memory run. */
  dir?: string;
  quiet: boolean;
  /** What `load` reads: a stack already in memory, or the `--input` path. */
  stackIn?: IfgramStack;
  input?: string;
  /** Where invert_network inverts; absent = in this process, on worker threads. */
  invert?: Inverter;
  /** Reference point of the previous run in `dir`, to say when it moved. */
  previousReference?: { row: number; col: number };
  notes: string[];
  /** Seconds per step run in this process. */
  timings: Record<string, number>;
  get<K extends StepName>(step: K): Promise<Products[K]>;
  /** Size, georeference and attributes of the stack (without reading its data). */
  meta(): Promise<StackMeta>;
  /** The latest time series before step `before` (raw inversion, then each enabled correction). */
  latestSeries(before: StepName): Promise<Series>;
}

export interface StepDef<K extends StepName> {
  name: K;
  /** A disabled step makes no product; the steps after it read the one before. */
  enabled(p: SbasParams): boolean;
  /** Product files relative to the output folder, the one carrying the step hash first. */
  files(p: SbasParams): string[];
  compute(ctx: StepContext): Promise<Products[K]>;
  write(ctx: StepContext, dir: string, value: Products[K], hash: string): Promise<void>;
  read(ctx: StepContext, dir: string): Promise<Products[K]>;
}
