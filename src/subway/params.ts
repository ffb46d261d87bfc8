/**
 * Parameters of the subway-corridor analysis (PS in buffers around lines, per-line and per-segment
 * statistics). The defaults are generic choices of this project, each with its reason; a study overrides
 * them with its paper's values (src/studies/foshan/subway.ts: the 600 m buffer of the Foshan paper, §3).
 */
import type { ParamSchema } from "../core/params";
import type { RankStatistic } from "./buffer";
import type { MetricFrameKind } from "../geometry/projection";

export interface SubwayParams {
  bufferRadiusM: number;
  subsidingThreshold: number;
  rankStatistic: RankStatistic;
  minPointsPerSegment: number;
  topSegments: number;
  segmentLengthWithoutStationsM: number;
  metricFrame: MetricFrameKind;
}

const G = "subway buffers";

export const SUBWAY_SCHEMA: ParamSchema<SubwayParams> = {
  bufferRadiusM: {
    kind: "number",
    default: 500,
    unit: "m",
    min: 1,
    max: 10_000,
    description: "radius of the buffer around each line whose PS are analysed",
    source: "choice: a common corridor width for tunnel-induced settlement studies; studies override it",
    group: G,
  },
  subsidingThreshold: {
    kind: "number",
    default: -10,
    unit: "mm/yr",
    max: 0,
    description: "a PS or segment below this LOS velocity counts as subsiding",
    source: "choice: the level the Foshan paper uses to describe subsiding sections (§3.2)",
    group: G,
  },
  rankStatistic: {
    kind: "enum",
    default: "p10",
    values: ["median", "p10", "mean"],
    description: "statistic that ranks segments by subsidence",
    source: "choice: the 10th percentile is robust to single outlying PS yet sees a subsiding part of a segment",
    group: G,
  },
  minPointsPerSegment: {
    kind: "integer",
    default: 5,
    min: 1,
    max: 10_000,
    description: "segments with fewer PS are reported but not ranked",
    source: "choice",
    group: G,
  },
  topSegments: { kind: "integer", default: 5, min: 1, max: 1000, description: "how many most-subsiding segments each line lists", source: "choice", group: G },
  segmentLengthWithoutStationsM: {
    kind: "number",
    default: 1000,
    unit: "m",
    min: 10,
    max: 100_000,
    description: "lines without station data are cut into segments of this length",
    source: "choice",
    group: G,
  },
  metricFrame: {
    kind: "enum",
    default: "local",
    values: ["local", "utm"],
    description: "projection for buffer distances: a transverse Mercator through the lines (< 2 cm error at 600 m) or their UTM zone",
    source: "choice: see src/geometry/projection.ts",
    group: G,
  },
};
