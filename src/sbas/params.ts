/**
 * Every parameter of the SBAS chain, declared once. Defaults are MintPy 1.5.1's smallbaselineApp.cfg
 * defaults (the `auto` values of smallbaselineApp_auto.cfg) and each description is MintPy's template
 * comment, so `npm run sbas` with no `--param` runs what `smallbaselineApp.py` runs, except where a
 * default needs data MintPy downloads (the troposphere: MintPy's pyaps needs ERA5 weather data, so the
 * default here is `no`) or is a parameter MintPy does not have (marked "choice"). A study (for example
 * src/studies/zigui/sbas.ts) overrides only what its paper sets.
 */
import type { ParamSchema } from "../core/params";
import { defaultsOf } from "../core/params";
import type { RampType } from "./corrections";
import type { WeightFunc } from "./weights";

export const RAMP_TYPES: readonly RampType[] = ["linear", "quadratic", "linear_range", "linear_azimuth", "quadratic_range", "quadratic_azimuth"];

export interface SbasParams {
  tempBaseMax: number;
  perpBaseMax: number;
  connNumMax: number;
  startDate: string;
  endDate: string;
  excludeDate: string[];
  excludeDate12: string[];
  excludeIfgIndex: number[];
  coherenceBased: boolean;
  minCoherence: number;
  keepMinSpanTree: boolean;
  reference: string;
  referenceMinCoherence: number;
  referenceWarnVelocity: number;
  weightFunc: WeightFunc;
  minRedundancy: number;
  minTempCoh: number;
  maxMemoryGB: number;
  threads: number;
  troposphere: "height_correlation" | "no";
  tropoPolyOrder: number;
  tropoLooks: number;
  tropoMinCorrelation: number;
  correctionMaskMaxVelocity: number;
  deramp: RampType | "no";
  topographicResidual: boolean;
  demErrPolyOrder: number;
  demErrStepDates: string[];
  referenceDate: string;
  polynomial: number;
  periodic: number[];
  stepDates: string[];
  uncertaintyQuantification: "residue" | "atmosphere";
  pointCoherence: number;
  velocityClassEdges: number[];
  slopeUnit: "mm/acquisition" | "mm/day" | "mm/month" | "mm/year";
  slidingMonths: number[];
  strongestMonths: number[];
  stableMonths: number[];
}

const MINTPY = "MintPy smallbaselineApp.cfg";
const NET = "network (mintpy.network)";
const REF = "reference point (mintpy.reference)";
const INV = "network inversion (mintpy.networkInversion, mintpy.compute)";
const COR = "corrections (troposphericDelay, deramp, topographicResidual, reference.date)";
const VEL = "velocity (mintpy.timeFunc)";
const ANA = "analysis and figures (no MintPy equivalent)";

export const SBAS_SCHEMA: ParamSchema<SbasParams> = {
  tempBaseMax: {
    kind: "number", default: Infinity, min: 0, unit: "day", group: NET, source: MINTPY,
    description: "[1-inf, no], auto for no, max temporal baseline in days (network.tempBaseMax)",
  },
  perpBaseMax: {
    kind: "number", default: Infinity, min: 0, unit: "m", group: NET, source: MINTPY,
    description: "[1-inf, no], auto for no, max perpendicular spatial baseline in meter (network.perpBaseMax)",
  },
  connNumMax: {
    kind: "number", default: Infinity, min: 1, group: NET, source: MINTPY,
    description: "[1-inf, no], auto for no, max number of neighbors for each acquisition (network.connNumMax)",
  },
  startDate: {
    kind: "string", default: "no", group: NET, source: MINTPY,
    description: "[20090101 / no], auto for no: interferograms with a date before it are dropped (network.startDate)",
  },
  endDate: {
    kind: "string", default: "no", group: NET, source: MINTPY,
    description: "[20110101 / no], auto for no: interferograms with a date after it are dropped (network.endDate)",
  },
  excludeDate: {
    kind: "dates", default: [], group: NET, source: MINTPY,
    description: "[20080520,20090817 / no], auto for no: interferograms with these dates are dropped (network.excludeDate)",
  },
  excludeDate12: {
    kind: "strings", default: [], group: NET, source: "none (no template key in MintPy 1.5.1, whose modify_network drops date12 pairs in its manual mode)",
    description: "[20080520_20090817,… / no]: interferograms to drop by their date12",
  },
  excludeIfgIndex: {
    kind: "integers", default: [], min: 0, group: NET, source: MINTPY,
    description: "[1,5,25 / no], auto for no, list of ifg index (start from 0) (network.excludeIfgIndex)",
  },
  coherenceBased: {
    kind: "boolean", default: false, group: NET, source: MINTPY,
    description: "[yes / no], auto for no, exclude interferograms with coherence < minCoherence (network.coherenceBased)",
  },
  minCoherence: {
    kind: "number", default: 0.7, min: 0, max: 1, group: NET, source: MINTPY,
    description: "[0.0-1.0], auto for 0.7 (network.minCoherence)",
  },
  keepMinSpanTree: {
    kind: "boolean", default: true, group: NET, source: MINTPY,
    description: "[yes / no], auto for yes, keep interferograms in Min Span Tree network (network.keepMinSpanTree)",
  },
  reference: {
    kind: "string", default: "auto", group: REF, source: "MintPy smallbaselineApp.cfg (yx/lalo); auto method: choice",
    description:
      "reference pixel: auto, maxCoherence, row,col or ll:lon,lat. MintPy's auto (= maxCoherence here, its argmax for reproducibility) " +
      "takes the most coherent pixel even inside a deforming area; auto here takes, among coherent pixels in a coherent " +
      "neighbourhood, the one whose first-pass (unweighted inversion) velocity and neighbourhood are closest to the scene's stable ground (the centre of its densest velocities)",
  },
  referenceMinCoherence: {
    kind: "number", default: 0.85, min: 0, max: 1, group: REF, source: MINTPY,
    description: "[0.0-1.0], auto for 0.85, minimum coherence for auto method (reference.minCoherence)",
  },
  referenceWarnVelocity: {
    kind: "number", default: 0.005, min: 0, unit: "m/year", group: REF, source: "choice: 5 mm/yr is about twice a single pixel's velocity noise on a 2-year Sentinel-1 record",
    description: "warn when the reference neighbourhood's first-pass velocity differs from the scene's stable ground (its densest velocities) by more than this",
  },
  weightFunc: {
    kind: "enum", default: "var", values: ["var", "fim", "coh", "no"], group: INV, source: MINTPY,
    description: "[var / fim / coh / no], auto for var (networkInversion.weightFunc)",
  },
  minRedundancy: {
    kind: "number", default: 1, min: 0, group: INV, source: MINTPY,
    description: "[1-inf], auto for 1.0, min num_ifgram for every SAR acquisition (networkInversion.minRedundancy)",
  },
  minTempCoh: {
    kind: "number", default: 0.7, min: 0, max: 1, group: INV, source: MINTPY,
    description: "[0.0-1.0], auto for 0.7, min temporal coherence for mask (networkInversion.minTempCoh)",
  },
  maxMemoryGB: {
    kind: "number", default: 4, min: 0.01, unit: "GB", group: INV, source: MINTPY,
    description: "[float > 0.0], auto for 4, max memory to allocate in GB (compute.maxMemory)",
  },
  threads: {
    kind: "integer", default: 0, min: 0, group: INV, source: "choice: every core (MintPy's numWorker needs dask)",
    description: "worker threads of the inversion; 0 = every core",
  },
  troposphere: {
    kind: "enum", default: "no", values: ["height_correlation", "no"], group: COR,
    source: "MintPy's default method is pyaps, which needs ERA5 weather data: no here",
    description: "[pyaps / height_correlation / gacos / no], auto for pyaps (troposphericDelay.method; only height_correlation and no here)",
  },
  tropoPolyOrder: {
    kind: "integer", default: 1, min: 1, max: 3, group: COR, source: MINTPY,
    description: "[1 / 2 / 3], auto for 1 (troposphericDelay.polyOrder)",
  },
  tropoLooks: {
    kind: "integer", default: 8, min: 1, group: COR, source: MINTPY,
    description: "[1-inf], auto for 8, extra multilooking num (troposphericDelay.looks)",
  },
  tropoMinCorrelation: {
    kind: "number", default: 0, min: 0, max: 1, group: COR, source: MINTPY,
    description: "[0.0-1.0], auto for 0 (troposphericDelay.minCorrelation)",
  },
  correctionMaskMaxVelocity: {
    kind: "number", default: Infinity, min: 0, unit: "m/year", group: COR, source: "MintPy (maskTempCoh only): inf",
    description: "ramps and the phase-height ratio are fitted only on reliable pixels whose raw linear velocity is within ± this",
  },
  deramp: {
    kind: "enum", default: "no", values: [...RAMP_TYPES, "no"], group: COR, source: MINTPY,
    description: "[no / linear / quadratic], auto for no - no ramp will be removed (deramp)",
  },
  topographicResidual: {
    kind: "boolean", default: true, group: COR, source: MINTPY,
    description: "[yes / no], auto for yes (topographicResidual: DEM error, Fattahi and Amelung 2013)",
  },
  demErrPolyOrder: {
    kind: "integer", default: 2, min: 0, max: 4, group: COR, source: MINTPY,
    description: "[1-inf], auto for 2, poly order of temporal deformation model (topographicResidual.polyOrder)",
  },
  demErrStepDates: {
    kind: "dates", default: [], group: COR, source: MINTPY,
    description: "[20080529,20190704T1733 / no], auto for no, date of step jump (topographicResidual.stepFuncDate)",
  },
  referenceDate: {
    kind: "string", default: "auto", group: COR, source: MINTPY,
    description: "[reference_date.txt / 20090214 / no], auto for reference_date.txt = the date of min residual RMS; first = no (reference.date)",
  },
  polynomial: {
    kind: "integer", default: 1, min: 1, max: 3, group: VEL, source: MINTPY,
    description: "[int >= 0], auto for 1, degree of the polynomial function (timeFunc.polynomial)",
  },
  periodic: {
    kind: "numbers", default: [], min: 0.01, unit: "year", group: VEL, source: MINTPY,
    description: "[1,0.5 / list_of_float / no], auto for no, periods in decimal years (timeFunc.periodic); refused when the series spans less than two periods",
  },
  stepDates: {
    kind: "dates", default: [], group: VEL, source: MINTPY,
    description: "[20110311,20170908 / no], auto for no, step function(s) (timeFunc.stepDate)",
  },
  uncertaintyQuantification: {
    kind: "enum", default: "residue", values: ["residue", "atmosphere"], group: VEL, source: MINTPY,
    description:
      "[residue, covariance, bootstrap], auto for residue (timeFunc.uncertaintyQuantification); here residue (white residuals) or atmosphere = " +
      "residue with the residuals' per-date and network-correlated parts (docs/sbas.md, Uncertainty)",
  },
  pointCoherence: {
    kind: "number", default: 0.9, min: 0, max: 1, group: ANA, source: "choice: PS-like points of the paper's Fig 9 style",
    description: "temporal coherence of the coherent (PS-like) points written as GeoJSON",
  },
  velocityClassEdges: {
    kind: "numbers", default: [-20, -15, -5, 5, 15, 20], unit: "cm/year", group: ANA, source: "choice",
    description: "velocity class edges of the area fractions table",
  },
  slopeUnit: {
    kind: "enum", default: "mm/year", values: ["mm/acquisition", "mm/day", "mm/month", "mm/year"], group: ANA, source: "choice",
    description: "unit of the fitted slopes of displacement curves",
  },
  slidingMonths: { kind: "integers", default: [], min: 1, max: 12, group: ANA, source: "choice", description: "months of the sliding season" },
  strongestMonths: { kind: "integers", default: [], min: 1, max: 12, group: ANA, source: "choice", description: "months of the strongest sliding" },
  stableMonths: { kind: "integers", default: [], min: 1, max: 12, group: ANA, source: "choice", description: "months of the stable season" },
};

/** MintPy's defaults (smallbaselineApp_auto.cfg), with the exceptions stated in SBAS_SCHEMA. */
export const SBAS_DEFAULTS: SbasParams = defaultsOf(SBAS_SCHEMA);

/** The parameters each step reads; a step re-runs when one of these (or an upstream product) changed. */
export const STEP_PARAMS = {
  load: [],
  modify_network: ["tempBaseMax", "perpBaseMax", "connNumMax", "startDate", "endDate", "excludeDate", "excludeDate12", "excludeIfgIndex", "coherenceBased", "minCoherence", "keepMinSpanTree"],
  reference_point: ["reference", "referenceMinCoherence", "referenceWarnVelocity"],
  invert_network: ["weightFunc", "minRedundancy", "minTempCoh"],
  correct_troposphere: ["troposphere", "tropoPolyOrder", "tropoLooks", "tropoMinCorrelation", "correctionMaskMaxVelocity"],
  deramp: ["deramp", "correctionMaskMaxVelocity"],
  correct_topography: ["topographicResidual", "demErrPolyOrder", "demErrStepDates"],
  reference_date: ["referenceDate"],
  velocity: ["polynomial", "periodic", "stepDates", "uncertaintyQuantification"],
  export: ["pointCoherence"],
} satisfies Record<string, (keyof SbasParams)[]>;
