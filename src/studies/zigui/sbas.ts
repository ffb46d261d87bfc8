/**
 * Every parameter of the Zigui SBAS time-series step (paper §2.3 "时间序列 InSAR", §3.3 "滑坡形变分析",
 * Figs 8–12). The paper names MintPy and its steps but none of their settings, so each value below is
 * MintPy 1.5.1's smallbaselineApp.cfg default unless marked "paper" or "choice" (a setting the paper
 * leaves open, documented here as a parameter).
 */
import type { WeightFunc } from "../../sbas/weights";
import type { RampType } from "../../sbas/corrections";

export interface SbasParams {
  // --- network modification (MintPy mintpy.network.*)
  /** Max temporal baseline, days (MintPy tempBaseMax, default no limit). */
  tempBaseMax: number;
  /** Max |perpendicular baseline|, m (MintPy perpBaseMax, default no limit). */
  perpBaseMax: number;
  /** Max connection number (MintPy connNumMax, default no limit). */
  connNumMax: number;
  /** YYYYMMDD dates to drop (MintPy excludeDate). */
  excludeDate: string[];
  /** Coherence-based pair selection (MintPy coherenceBased, default no). */
  coherenceBased: boolean;
  /** Mean-coherence threshold for it (MintPy minCoherence 0.7). */
  minCoherence: number;
  /** Keep the minimum spanning tree so the network stays connected (MintPy keepMinSpanTree yes). */
  keepMinSpanTree: boolean;
  // --- reference point (MintPy mintpy.reference.*)
  /** "auto" (max average spatial coherence), "row,col" or "lon,lat" with a `ll:` prefix. */
  reference: string;
  // --- inversion (MintPy mintpy.networkInversion.*)
  /** Weight function (MintPy weightFunc, default var). */
  weightFunc: WeightFunc;
  /** Min interferograms per date (MintPy minRedundancy 1.0). */
  minRedundancy: number;
  /** Temporal-coherence threshold of the reliable-pixel mask (MintPy minTempCoh 0.7). */
  minTempCoh: number;
  /** Row-block working memory, GB (MintPy maxMemory 4). */
  maxMemoryGB: number;
  /** Worker threads of the inversion; 0 = every core (MintPy numWorker, default 1 without dask). */
  threads: number;
  // --- corrections
  /** Phase–elevation troposphere (paper: "correct … troposphere"; MintPy method height_correlation). */
  troposphere: "height_correlation" | "no";
  tropoPolyOrder: number;
  tropoLooks: number;
  tropoMinCorrelation: number;
  /**
   * Ramps and the phase–elevation ratio are fitted only on reliable pixels whose raw (uncorrected)
   * linear velocity is within ± this many m/yr, so secular deformation (e.g. a subsiding zone at one
   * edge) is not taken for a ramp or a height correlation. Choice; Infinity = MintPy (maskTempCoh only).
   */
  correctionMaskMaxVelocity: number;
  /** Ramp removal (paper: "correct orbit ramps"; MintPy deramp, default no → choice: linear). */
  deramp: RampType | "no";
  /** Topographic residual (paper: "topographic residual"; MintPy topographicResidual yes). */
  topographicResidual: boolean;
  /** Polynomial order of the deformation model in the DEM-error fit (MintPy polyOrder 2). */
  demErrPolyOrder: number;
  /** Step dates of the deformation model (MintPy stepFuncDate, default none). */
  demErrStepDates: string[];
  /** Reference date: "auto" = min residual RMS (MintPy), "first", or YYYYMMDD. */
  referenceDate: string;
  // --- velocity (MintPy mintpy.timeFunc.*)
  /** Polynomial degree (MintPy polynomial 1). */
  polynomial: number;
  /** Periods in years; choice: annual + semi-annual for seasonally sliding slopes (MintPy default none). */
  periodic: number[];
  stepDates: string[];
  // --- analysis (paper §3.3)
  /** Temporal coherence of the PS-like points of Fig 9 (choice; MintPy's PS extraction is not specified). */
  pointCoherence: number;
  /** Velocity class edges for the Fig 8 area fractions, cm/yr (paper §3.3: −20…+20, −5…−15). */
  velocityClassEdges: number[];
  /** Unit of the Fig 10–12 fitted slopes; the paper prints bare numbers (choice: mm per acquisition). */
  slopeUnit: "mm/acquisition" | "mm/day" | "mm/month" | "mm/year";
  /** Months of the seasonal analysis (paper §3.3: sliding Mar–Aug, strongest Apr–May, stable Sep–Feb). */
  slidingMonths: number[];
  strongestMonths: number[];
  stableMonths: number[];
}

export const ZIGUI_SBAS: SbasParams = {
  tempBaseMax: Infinity,
  perpBaseMax: Infinity,
  connNumMax: Infinity,
  excludeDate: [],
  coherenceBased: false,
  minCoherence: 0.7,
  keepMinSpanTree: true,
  reference: "auto",
  weightFunc: "var",
  minRedundancy: 1,
  minTempCoh: 0.7,
  maxMemoryGB: 4,
  threads: 0,
  troposphere: "height_correlation",
  tropoPolyOrder: 1,
  tropoLooks: 8,
  tropoMinCorrelation: 0,
  correctionMaskMaxVelocity: 0.02,
  deramp: "linear",
  topographicResidual: true,
  demErrPolyOrder: 2,
  demErrStepDates: [],
  referenceDate: "auto",
  polynomial: 1,
  periodic: [1, 0.5],
  stepDates: [],
  pointCoherence: 0.9,
  velocityClassEdges: [-20, -15, -5, 5, 15, 20],
  slopeUnit: "mm/acquisition",
  slidingMonths: [3, 4, 5, 6, 7, 8],
  strongestMonths: [4, 5],
  stableMonths: [9, 10, 11, 12, 1, 2],
};

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

/** Parses `--param name=value` overrides against the defaults' types. */
export function applySbasParams(base: SbasParams, overrides: Record<string, string>): SbasParams {
  const out: SbasParams = { ...base };
  const rec = out as unknown as Record<string, unknown>;
  for (const [k, raw] of Object.entries(overrides)) {
    if (!(k in base)) throw new Error(`unknown SBAS parameter "${k}" (known: ${Object.keys(base).join(", ")})`);
    const cur = (base as unknown as Record<string, unknown>)[k];
    if (typeof cur === "number") {
      const v = /^(inf|infinity|no)$/i.test(raw) ? Infinity : Number(raw);
      if (Number.isNaN(v)) throw new Error(`parameter ${k} needs a number, got "${raw}"`);
      rec[k] = v;
    } else if (typeof cur === "boolean") {
      if (!/^(true|false|yes|no|1|0)$/i.test(raw)) throw new Error(`parameter ${k} needs yes/no, got "${raw}"`);
      rec[k] = /^(true|yes|1)$/i.test(raw);
    } else if (Array.isArray(cur)) {
      const items = raw.trim() === "" || raw === "none" ? [] : raw.split(",").map((s) => s.trim());
      rec[k] = typeof cur[0] === "number" || /periodic|Months|Edges/.test(k) ? items.map(Number) : items;
    } else rec[k] = raw;
  }
  return out;
}
