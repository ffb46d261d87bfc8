/**
 * Parameters of the Foshan subway analysis (seed 001: "Temporal and Spatial Characteristics Analysis
 * of Deformation Along Foshan Subway Using Time Series InSAR", Geomatics and Information Science of
 * Wuhan University). Every value names where in the paper it comes from; values the paper leaves open
 * are marked "not in the paper" and are choices of this project.
 */
import { withOverrides, type StudyOverrides } from "../../core/params";
import type { Datum } from "../../geometry/datum";
import { SETTLEMENT_SCHEMA, type SettlementParams } from "../../settlement/params";
import { SUBWAY_SCHEMA, type SubwayParams } from "../../subway/params";

/** The settlement model of §4 (Fig 10); the rest of the settlement parameters keep their generic defaults. */
export const FOSHAN_SETTLEMENT_OVERRIDES: StudyOverrides<SettlementParams> = {
  model: { value: "logistic", source: "§4, eq. 2: S(t) = b / (1 + a·e^(−c·t)); the comparison with linear and exponential is still computed and reported" },
  origin: { value: "2008-01-01", source: "§4: \"本文模型的时间选择从2008年算起\" (the modelled section was begun in 2008)" },
};

export const FOSHAN_SETTLEMENT: SettlementParams = withOverrides(SETTLEMENT_SCHEMA, FOSHAN_SETTLEMENT_OVERRIDES);

/** The Foshan paper's values for the corridor analysis; the other subway parameters keep their generic defaults' reasons. */
export const FOSHAN_SUBWAY_OVERRIDES: StudyOverrides<SubwayParams> = {
  bufferRadiusM: { value: 600, source: "§3: \"选择地铁沿线600 m缓冲区内的PS点目标进行分析\"" },
};

const FOSHAN_CORRIDOR: SubwayParams = withOverrides(SUBWAY_SCHEMA, FOSHAN_SUBWAY_OVERRIDES);

export interface FoshanSubwayDefaults extends SubwayParams {
  datumOfLines: Datum;
  psDates: { first: string; last: string; scenes: number };
  psVelocityUnit: string;
  collapse: { date: string; line: string; fromStation: string; toStation: string; siteFraction: number; siteRadiusM: number };
  studyArea: { lonMin: number; lonMax: number; latMin: number; latMax: number };
  lineNames: Record<string, string>;
  stationNames: Record<string, string>;
  figures: Record<string, { line: string; caption: string }>;
  settlement: SettlementParams & {
    sensors: { name: string; first: string; last: string }[];
    reference: { line: string; fromStation: string; toStation: string; fraction: number };
    siteRadiusM: number;
    planted: { a: number; b: number; c: number; seed: number; palsarStepDays: number; palsarNoiseMm: number; s1StepDays: number; s1NoiseMm: number; s1SeasonalMm: number };
  };
}

export const FOSHAN_SUBWAY: FoshanSubwayDefaults = {
  // bufferRadiusM (§3), subsidingThreshold, rankStatistic, minPointsPerSegment, topSegments,
  // segmentLengthWithoutStationsM and metricFrame: SUBWAY_SCHEMA with FOSHAN_SUBWAY_OVERRIDES.
  ...FOSHAN_CORRIDOR,
  // Not in the paper ("根据收集到的佛山地铁路线分布图"); the mirrored geometry is WGS-84 (converted from BD-09).
  datumOfLines: "WGS84",
  // §2: 85 Sentinel-1 scenes, 2015-06-15 … 2018-09-15.
  psDates: { first: "2015-06-15", last: "2018-09-15", scenes: 85 },
  // §3, Figs 3, 5–9: velocities in mm/a (negative = subsidence, LOS).
  psVelocityUnit: "mm/yr",
  collapse: {
    // §1 and §3.2: 2018-02-07, shield tunnel between Huchong (湖涌) and Lüdaohu (绿岛湖) stations of Line 2.
    date: "2018-02-07",
    line: "F2",
    fromStation: "湖涌",
    toStation: "绿岛湖",
    // Not in the paper (Fig 7 marks it with a red star only): the site is taken at this fraction of the
    // Huchong→Lüdaohu interval along the line.
    siteFraction: 0.5,
    // Not in the paper: PS within this radius of the site are averaged for the time series.
    siteRadiusM: 200,
  },
  // §1 and Fig 1: 112°22′–113°23′E, 22°38′–23°34′N.
  studyArea: { lonMin: 112 + 22 / 60, lonMax: 113 + 23 / 60, latMin: 22 + 38 / 60, latMax: 23 + 34 / 60 },
  lineNames: { GF: "Guangfo line", F2: "Foshan Line 2", F3: "Foshan Line 3", GZ7: "Guangzhou Line 7 (west extension)" },
  // Pinyin of the stations the paper names (§3.1–3.4), for labels beside the Chinese names.
  stationNames: {
    新城东: "Xinchengdong", 东平: "Dongping", 世纪莲: "Shijilian", 魁奇路: "Kuiqilu", 祖庙: "Zumiao",
    金融高新区: "Financial Hi-Tech Zone", 龙溪: "Longxi", 燕岗: "Yangang", 湖涌: "Huchong", 绿岛湖: "Lüdaohu",
    登洲: "Dengzhou", 仙涌: "Xianyong", 南涌: "Nanchong", 美的大道: "Meidi Dadao", 陈村: "Chencun",
  },
  // §3.1–3.4: one figure per line.
  figures: {
    fig5: { line: "GF", caption: "Fig 5 — Guangfo line, Sentinel-1 2015–2018" },
    fig6: { line: "F2", caption: "Fig 6 — Foshan Line 2" },
    fig8: { line: "F3", caption: "Fig 8 — Foshan Line 3" },
    fig9: { line: "GZ7", caption: "Fig 9 — Guangzhou Line 7 (west extension)" },
  },
  settlement: {
    // Model, origin, stabilisation fraction, intervals: FOSHAN_SETTLEMENT_OVERRIDES above.
    ...FOSHAN_SETTLEMENT,
    // §4: ALOS-1/PALSAR 2008–2011 and Sentinel-1 2015–2018 (2015-06-15 … 2018-09-15, §2).
    sensors: [
      { name: "ALOS-1 PALSAR", first: "2008-01-01", last: "2011-03-31" },
      { name: "Sentinel-1", first: "2015-06-15", last: "2018-09-15" },
    ],
    // §4, Fig 10: the reference point is the yellow star of Fig 5 on the Guangfo line, position not
    // given. §3.1 places the 2006–2011 subsidence (> 8 mm/a) between Kuiqilu and Zumiao and finds it
    // stable in 2015–2018, so the site is taken midway between those stations (a choice).
    reference: { line: "GF", fromStation: "魁奇路", toStation: "祖庙", fraction: 0.5 },
    // Not in the paper: PS within 200 m of the site are averaged.
    siteRadiusM: 200,
    // Not in the paper — a simulated full-cycle series, because no PALSAR 2008–2011 data can be had
    // offline: a logistic with onset (5 %) mid-2008, 4 years to 95 %, b = −60 mm, sampled like PALSAR
    // (46 days, 3 mm noise) and Sentinel-1 (12 days, 2 mm noise, 2 mm annual term). These values are
    // planted; recovering them tests the method, not the paper.
    planted: { a: 39.7, b: -60, c: 1.472, seed: 2008, palsarStepDays: 46, palsarNoiseMm: 3, s1StepDays: 12, s1NoiseMm: 2, s1SeasonalMm: 2 },
  },
};

/** Values the paper reports, to be compared with this run (never printed as results). */
export const FOSHAN_SUBWAY_PAPER = {
  // §1 / Table 1 text: "目前佛山地铁总长约为150 km,共78座车站"; ">240 km" planned.
  networkLengthKm: 150,
  networkStations: 78,
  plannedLengthKm: 240,
  // §3.1: 2006–2011 subsidence > 8 mm/a between Kuiqilu and Zumiao (PALSAR).
  guangfoPalsarRate: -8,
  // §3.2 / Fig 7: > 30 mm/a maximum on Line 2 near Lüdaohu; ≈ −25 mm/a at the collapse site.
  line2MaxRate: -30,
  collapseRate: -25,
  // §3.2: fast subsidence from 2016-08, levelling in 2018.
  collapseOnset: "2016-08",
  // §3.3: Line 3 sections up to 20 mm/a; §3.4: Line 7 buildings beyond 20 mm/a.
  line3MaxRate: -20,
  line7MaxRate: -20,
  // §4 / Fig 10: settlement lasts 3–5 years, stable by ≈ 2015; Sentinel-1 within ±4 mm.
  durationYears: [3, 5] as [number, number],
  stableByYear: 2015,
  sentinelAmplitudeMm: 4,
};

/**
 * Simulated PS, used only when the PS step's output (notebook 20) is absent: subsidence zones placed
 * where the paper describes them (§3.1–3.4), with magnitudes of the paper's reported rates. They are
 * planted inputs, not results; the notebooks say so wherever they are used.
 */
export const FOSHAN_SUBWAY_SIMULATION = {
  seed: 20180207,
  pointsPerKm: 150,
  maxOffsetM: 900,
  velocityNoise: 1.5,
  displacementNoise: 2,
  zones: [
    // §3.1: Guangfo settlement now concentrated between Shijilian and Xinchengdong.
    { line: "GF", fromStation: "世纪莲", toStation: "新城东", total: -30, midDate: "2017-01-01", durationYears: 5, lateralSigmaM: 350 },
    // §3.2 / Fig 7: Lüdaohu–Huchong, > 30 mm/a, fast from 2016-08, levelling in 2018.
    { line: "F2", fromStation: "湖涌", toStation: "绿岛湖", total: -75, midDate: "2017-04-15", durationYears: 1.8, lateralSigmaM: 300 },
    // §3.2: Dengzhou–Xianyong about −10 mm/a.
    { line: "F2", fromStation: "登洲", toStation: "仙涌", total: -60, midDate: "2017-01-01", durationYears: 8, lateralSigmaM: 400 },
    // §3.4: Nanchong–Meidi Dadao, buildings beyond 20 mm/a.
    { line: "GZ7", fromStation: "美的大道", toStation: "南涌", total: -65, midDate: "2017-03-01", durationYears: 3, lateralSigmaM: 350 },
  ],
  // Lines without stations (the simulated sample lines): one zone on the middle of each line.
  genericZone: { fromFraction: 0.35, toFraction: 0.55, total: -60, midDate: "2017-04-15", durationYears: 2, lateralSigmaM: 300 },
};
