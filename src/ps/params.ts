/**
 * Every parameter of the PS-InSAR chain, once: generic defaults from the literature where one exists
 * (Ferretti 2001 for the amplitude dispersion, MintPy for the temporal-coherence mask, ISCE2 for the
 * interferogram network), documented choices elsewhere. A study (src/studies/foshan/ps.ts) overrides only
 * what its paper states. The `group` of a parameter is the pipeline step that reads it: a step's
 * product is stale exactly when a parameter of its group (or an earlier product) changed; the
 * "resources" group changes speed and memory, never numbers, so it is never hashed.
 */
import type { ParamSchema } from "../core/params";
import { DS_SCHEMA, type DsParams } from "./phase-link-params";

/** Temporal-coherence estimator of the multilooked network (selection.ts). */
export type CoherenceMethod = "spatialResidual" | "windowCoherence";

/** What candidate selection reads (selection.ts); the rest of PsParams belongs to later steps. */
export interface SelectionParams {
  amplitudeDispersionMax: number;
  multilookRange: number;
  multilookAzimuth: number;
  networkNeighbours: number;
  coherenceThreshold: number;
  temporalCoherence: CoherenceMethod;
  coherenceWindow: number;
  memoryBudgetMiB: number;
}

export interface PsParams extends SelectionParams, DsParams {
  maxArcLength: number;
  velocitySearch: number;
  velocityStep: number;
  demSearch: number;
  demStep: number;
  arcCoherenceMin: number;
  arcOutlierSigma: number;
  temporalFilterDays: number;
  spatialFilterMeters: number;
  psCoherenceMin: number;
  gridCellMeters: number;
  workers: number;
}

/** The pipeline steps, in order; each parameter's group names the step that reads it. */
export const PS_STEPS = ["select", "link", "network", "integrate", "filter", "outputs"] as const;
export type PsStep = (typeof PS_STEPS)[number];

// The DS parameters join the set in step order: the phase linking's after selection, the acceptance
// threshold beside psCoherenceMin (--help and the docs list groups in order of first appearance).
const { dsLinkingMin, ...DS_LINK } = DS_SCHEMA;

export const PS_SCHEMA: ParamSchema<PsParams> = {
  amplitudeDispersionMax: {
    kind: "number",
    default: 0.25,
    min: 0,
    max: 10,
    description: "classic PS: amplitude dispersion D_A = σ_A/μ_A of the calibrated amplitudes below this",
    source: "Ferretti et al. 2001 (D_A < 0.25)",
    group: "select",
  },
  multilookRange: {
    kind: "integer",
    default: 1,
    min: 1,
    max: 100,
    description: "extra PS: looks in range of the multilooked network (1 × 1 = single pixels selected by temporal coherence)",
    source: "choice: no multilook unless a study asks for it",
    unit: "px",
    group: "select",
  },
  multilookAzimuth: {
    kind: "integer",
    default: 1,
    min: 1,
    max: 100,
    description: "extra PS: looks in azimuth of the multilooked network",
    source: "choice: no multilook unless a study asks for it",
    unit: "px",
    group: "select",
  },
  networkNeighbours: {
    kind: "integer",
    default: 1,
    min: 1,
    max: 50,
    description: "interferogram network: each date paired with its next N dates",
    source: "ISCE2 stackSentinel.py --num_connections default 1",
    group: "select",
  },
  coherenceThreshold: {
    kind: "number",
    default: 0.7,
    min: 0,
    max: 1,
    description: "extra PS: multilooked cells whose temporal coherence exceeds this become PS",
    source: "MintPy smallbaselineApp.cfg minTempCoh = 0.7",
    group: "select",
  },
  temporalCoherence: {
    kind: "enum",
    default: "spatialResidual",
    values: ["spatialResidual", "windowCoherence"],
    description: "temporal-coherence estimator of the multilooked network (see src/ps/selection.ts)",
    source: "choice: StaMPS-style phase-noise coherence (Hooper et al. 2004)",
    group: "select",
  },
  coherenceWindow: {
    kind: "integer",
    default: 5,
    min: 1,
    max: 99,
    description: "window (multilooked cells) of the spatial low-pass inside the temporal-coherence estimators",
    source: "choice",
    unit: "cells",
    group: "select",
  },
  ...DS_LINK,
  maxArcLength: {
    kind: "number",
    default: 1000,
    min: 1,
    max: 1e6,
    description: "Delaunay arcs longer than this are dropped (atmosphere decorrelates with distance)",
    source: "choice: ~1 km keeps atmospheric differences small",
    unit: "m",
    group: "network",
  },
  velocitySearch: {
    kind: "number",
    default: 60,
    min: 0,
    max: 10_000,
    description: "periodogram search range of the arc velocity difference Δv (±)",
    source: "choice: covers urban subsidence rates",
    unit: "mm/yr",
    group: "network",
  },
  velocityStep: {
    kind: "number",
    default: 2,
    min: 1e-6,
    max: 1000,
    description: "periodogram velocity step (refined afterwards)",
    source: "choice: below the ≈ λ/(2T) width of the coherence peak",
    unit: "mm/yr",
    group: "network",
  },
  demSearch: {
    kind: "number",
    default: 40,
    min: 0,
    max: 10_000,
    description: "periodogram search range of the arc DEM-error difference Δz (±)",
    source: "choice: building heights and SRTM errors",
    unit: "m",
    group: "network",
  },
  demStep: {
    kind: "number",
    default: 4,
    min: 1e-6,
    max: 1000,
    description: "periodogram DEM-error step (refined afterwards)",
    source: "choice: the height peak is tens of metres wide for Sentinel-1 baselines",
    unit: "m",
    group: "network",
  },
  arcCoherenceMin: {
    kind: "number",
    default: 0.6,
    min: 0,
    max: 1,
    description: "arcs whose ensemble coherence (eq. 1 fit) is below this are dropped",
    source: "choice",
    group: "integrate",
  },
  arcOutlierSigma: {
    kind: "number",
    default: 4,
    min: 0,
    max: Infinity,
    description: "arcs whose LSQ misclosure exceeds this many robust σ are removed, iteratively",
    source: "choice",
    group: "integrate",
  },
  temporalFilterDays: {
    kind: "number",
    default: 72,
    min: 0,
    max: 100_000,
    description: "temporal low-pass (FWHM of a Gaussian-weighted local linear fit) separating nonlinear motion from atmosphere + noise",
    source: "choice: 6 Sentinel-1 revisits keep multi-month settlement, remove per-date atmosphere",
    unit: "days",
    group: "filter",
  },
  spatialFilterMeters: {
    kind: "number",
    default: 400,
    min: 0,
    max: 1e6,
    description: "spatial low-pass (Gaussian σ) estimating atmosphere from the temporal high-pass",
    source: "choice: atmosphere correlates over km, PS are tens of metres apart",
    unit: "m",
    group: "filter",
  },
  psCoherenceMin: {
    kind: "number",
    default: 0.5,
    min: 0,
    max: 1,
    description: "PS whose own model coherence ends below this are dropped from the output",
    source: "choice",
    group: "outputs",
  },
  dsLinkingMin,
  gridCellMeters: {
    kind: "number",
    default: 50,
    min: 1e-3,
    max: 1e6,
    description: "cell size of the gridded velocity GeoTIFF",
    source: "choice",
    unit: "m",
    group: "outputs",
  },
  workers: {
    kind: "integer",
    default: 2,
    min: 0,
    max: 256,
    description: "worker threads for the per-arc search (0 = in-process)",
    source: "choice: the reference machine has 2 cores",
    group: "resources",
  },
  memoryBudgetMiB: {
    kind: "number",
    default: 512,
    min: 16,
    max: 1e7,
    description: "memory for row blocks while reading and multilooking, and date chunks of the residual integration",
    source: "choice",
    unit: "MiB",
    group: "resources",
  },
};

/** The parameters a step reads (its schema group), for its product's up-to-date hash. */
export function stepParams(p: PsParams, step: PsStep): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(PS_SCHEMA) as (keyof PsParams)[]) if (PS_SCHEMA[k].group === step) out[k] = p[k];
  return out;
}
