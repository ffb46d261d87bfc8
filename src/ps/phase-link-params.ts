/**
 * Parameters of the distributed-scatterer step, as a schema the PS parameter set can spread in
 * (`{ ...PS_SCHEMA, ...DS_SCHEMA }`), and their translation to the pure functions' options.
 */
import type { ParamSchema } from "../core/params";
import type { PhaseLinkOptions } from "./phase-link-cells";
import type { DsMethod } from "./phase-link";

export interface DsParams {
  dsMethod: DsMethod;
  dsWindowRange: number;
  dsWindowAzimuth: number;
  dsShpConfidence: number;
  dsMinLooks: number;
  dsRegularization: number;
  dsPsAmplitudeRatio: number;
  dsLinkingMin: number;
}

const group = "Distributed scatterers (phase linking)";

export const DS_SCHEMA: ParamSchema<DsParams> = {
  dsMethod: {
    kind: "enum",
    default: "emi",
    values: ["emi", "paper"],
    description: "phase of a multilooked cell: EMI phase linking over its homogeneous pixels, or the paper's multilooked single-master phase",
    source: "choice: EMI (Ansari et al. 2018) holds up when DS coherence decays in time; 'paper' = seed 001 §2",
    group,
  },
  dsWindowRange: { kind: "integer", default: 7, min: 0, max: 50, unit: "px", description: "half-width in range of the window searched for homogeneous pixels", source: "choice: ±26 m at 3.7 m pixels", group },
  dsWindowAzimuth: { kind: "integer", default: 3, min: 0, max: 20, unit: "lines", description: "half-height in azimuth of the homogeneous-pixel window", source: "choice: ±42 m at 13.9 m lines", group },
  dsShpConfidence: { kind: "number", default: 2.58, min: 0.5, max: 6, description: "normal quantile of the mean-amplitude confidence interval of the SHP test", source: "choice: 99 % two-sided (FaSHPS, Jiang et al. 2015)", group },
  dsMinLooks: { kind: "integer", default: 15, min: 3, max: 10000, description: "fewer homogeneous pixels than this keep the paper's phase", source: "choice: 3 multilook cells", group },
  dsRegularization: { kind: "number", default: 0.05, min: 0, max: 1, description: "shrinkage of the coherence magnitude towards I before it is inverted", source: "choice", group },
  dsPsAmplitudeRatio: { kind: "number", default: 2, min: 1, max: 100, description: "brightest / median pixel mean amplitude above which a cell counts as PS-dominated", source: "choice: urban PS ≥ 2.8×, DS ≈ 1×", group },
  dsLinkingMin: { kind: "number", default: 0.6, min: -1, max: 1, description: "DS with a phase-linking coherence below this are rejected", source: "choice: docs/ps-uncertainty.md (γ_PL AUC 0.67–0.90)", group },
};

/** The options phaseLinkCells takes, from the DS parameters and the multilook/memory ones of the PS set. */
export function phaseLinkOptions(p: DsParams & { multilookRange: number; multilookAzimuth: number; memoryBudgetMiB: number }): PhaseLinkOptions {
  return {
    method: p.dsMethod,
    multilookRange: p.multilookRange,
    multilookAzimuth: p.multilookAzimuth,
    windowRange: p.dsWindowRange,
    windowAzimuth: p.dsWindowAzimuth,
    shpConfidence: p.dsShpConfidence,
    minLooks: p.dsMinLooks,
    regularization: p.dsRegularization,
    psAmplitudeRatio: p.dsPsAmplitudeRatio,
    memoryBudgetMiB: p.memoryBudgetMiB,
  };
}
