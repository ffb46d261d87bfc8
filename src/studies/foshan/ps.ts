/**
 * The Foshan study's PS-InSAR values (Wuhan Univ. Geomatics paper, seed 001, §1 data, §2 "improved
 * PS-InSAR", Fig 2, §3.1 results): only what the paper states; every other parameter keeps the generic
 * default of `PS_SCHEMA` (src/ps/params.ts), where its source is given.
 */
import { withOverrides, type StudyOverrides } from "../../core/params";
import { PS_SCHEMA, type PsParams } from "../../ps/params";

export const FOSHAN_PS_OVERRIDES: StudyOverrides<PsParams> = {
  multilookRange: { value: 5, source: "paper §2: SLCs multilooked 5 (range) × 1 (azimuth) (距离向和方位向5×1作多视处理)" },
  multilookAzimuth: { value: 1, source: "paper §2: multilook 5 × 1" },
  networkNeighbours: { value: 2, source: "paper §2: every image paired with at least its two temporally adjacent images (至少与时间上相连两景影像)" },
  coherenceThreshold: { value: 0.38, source: "paper §2: temporal coherence greater than the threshold 0.38 (相干性大于给定阈值(0.38))" },
};

/** The parameters the Foshan notebook and `npm run ps -- --study foshan` run with. */
export const FOSHAN_PS: PsParams = withOverrides(PS_SCHEMA, FOSHAN_PS_OVERRIDES);

/** The Sentinel-1 stack the paper processed (paper §1: 85 scenes, 2015-06-15 … 2018-09-15). */
export const FOSHAN_STACK = {
  scenes: 85, // paper §1
  firstDate: "2015-06-15", // paper §1
  lastDate: "2018-09-15", // paper §1
  revisitDays: 12, // Sentinel-1A repeat cycle
};

/** Numbers the paper reports that notebook 20 compares with (never printed as results). */
export const FOSHAN_PS_REPORTED = {
  velocityMin: -20, // paper §3.1, Fig 3: "形变量级为-20~5 mm/a"
  velocityMax: 5, // paper §3.1, Fig 3
  localVelocityBeyond: -30, // paper §3.1: locally > 30 mm/a subsidence
  velocityStdMostlyBelow: 1, // paper §3.1: internal precision mostly within 1 mm/a
  areaACumulativeMm: -80, // paper §3.1, Fig 4(a): ≈8 cm since 2016-06
  areaBCumulativeMm: -150, // paper §3.1, Fig 4(b): ≈15 cm
  areaCCumulativeMm: -90, // paper §3.1, Fig 4(c): ≈9 cm, linear
  areaBVelocityMin: -40, // paper §3.1: area B −40…5 mm/a
};
