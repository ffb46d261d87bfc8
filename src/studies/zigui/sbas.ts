/**
 * The Zigui SBAS settings (paper §2.3 "时间序列 InSAR", §3.3 "滑坡形变分析", Figs 8–12). The paper names
 * MintPy and its steps (troposphere, orbit ramps, topographic residual) but none of their settings, so
 * every parameter not listed here is MintPy 1.5.1's default (src/sbas/params.ts); each override says
 * which sentence of the paper asks for it, or why it is our choice. No periodic term: the paper's 43
 * scenes span 1.9 years (2023-02-09 … 2025-01-05), less than two annual periods, so an annual term
 * would trade off against the velocity (src/sbas/timefunc.ts checkPeriodic refuses it); the seasonality
 * of §3.3 is measured from monthly rates of the displacement curves instead.
 */
import { withOverrides, type StudyOverrides } from "../../core/params";
import { SBAS_SCHEMA, type SbasParams } from "../../sbas/params";

export type { SbasParams } from "../../sbas/params";

export const ZIGUI_SBAS_OVERRIDES: StudyOverrides<SbasParams> = {
  troposphere: {
    value: "height_correlation",
    source: "paper §2.3 (\"correct the tropospheric delay\"); choice of method: no weather data for the scenes, so MintPy's phase–elevation method",
  },
  deramp: { value: "linear", source: "paper §2.3 (\"correct orbit ramps\"); choice: linear, MintPy's simplest ramp" },
  correctionMaskMaxVelocity: {
    value: 0.02,
    source: "choice: the valley's subsiding zone (−5…−15 cm/yr, §3.3) must not be taken for a ramp or a height correlation",
  },
  uncertaintyQuantification: {
    value: "atmosphere",
    source: "choice: velocity σ calibrated against simulated atmosphere and decorrelation (docs/sbas.md, Uncertainty); MintPy's residue σ is 1.6–2.1× too small there",
  },
  pointCoherence: { value: 0.9, source: "choice: the paper's Fig 9 shows PS-like points; MintPy's PS extraction is not specified" },
  velocityClassEdges: { value: [-20, -15, -5, 5, 15, 20], source: "paper §3.3 (velocities −20…+20 cm/yr, subsidence −5…−15 cm/yr)" },
  slopeUnit: { value: "mm/acquisition", source: "choice: Figs 10–12 print bare slopes (−0.8756 …), consistent with mm per acquisition" },
  slidingMonths: { value: [3, 4, 5, 6, 7, 8], source: "paper §3.3 (sliding March–August)" },
  strongestMonths: { value: [4, 5], source: "paper §3.3 (strongest April–May)" },
  stableMonths: { value: [9, 10, 11, 12, 1, 2], source: "paper §3.3 (stable September–February)" },
};

export const ZIGUI_SBAS: SbasParams = withOverrides(SBAS_SCHEMA, ZIGUI_SBAS_OVERRIDES);

/** Paper values reported for the SBAS part (PAPERS.md, Zigui Fig 8–12 and §3.3 text). */
export const ZIGUI_SBAS_PAPER = {
  /** Fig 8: velocity range, cm/yr. */
  velocityRangeCmYr: [-20, 20] as [number, number],
  /** §3.3: subsidence −5…−15 cm/yr covers 15–20 % of the area. */
  subsidenceAreaPercent: [15, 20] as [number, number],
  /** Figs 10–12: fitted slopes. */
  slopes: { Zhangjiawan: -0.8756, Tanjiahe: -1.1375, Baishuihe: -0.3684 } as Record<string, number>,
  /** §3.3: August displacement, mm (≈30 Zhangjiawan, >40 Tanjiahe and Baishuihe). */
  augustDisplacementMm: { Zhangjiawan: 30, Tanjiahe: 40, Baishuihe: 40 } as Record<string, number>,
  /** §2.2: 43 Sentinel-1A scenes 2023-02-09 … 2025-01-05, track 11. */
  acquisitions: 43,
  firstDate: "20230209",
  lastDate: "20250105",
};
