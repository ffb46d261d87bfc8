/**
 * `npm run settlement -- fit --input <csv> [--param name=value]… [--model M] [--json] [--band]`
 * `npm run settlement -- coverage [--runs 200] [--seed 1]`
 *
 * `fit` reads a CSV of `date,value` rows (optional third column `sensor`: series from several sensors
 * are joined with a fitted offset each, the first sensor named being the reference), compares the
 * logistic (eq. 2), linear and exponential models by AICc, and prints the comparison table, the
 * reported model's estimates with profile-likelihood intervals and the stabilisation verdict (JSON
 * with --json). `coverage` re-measures the intervals' Monte-Carlo coverage quoted in docs/settlement.md.
 * Parameters: src/settlement/params.ts, with the Foshan study's overrides (src/studies/foshan/subway.ts)
 * unless `--study generic`.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { optionHelp, parseCommand, requireOption, runCli } from "../core/cli";
import { dateAfter, isoDate, parseDate } from "../core/dates";
import { FileError, UsageError } from "../core/errors";
import { applyParams, defaultsOf, paramHelp, parseAssignments, type StudyOverrides } from "../core/params";
import { analyseSettlement } from "../settlement/analysis";
import { intervalCoverage, TWO_SENSOR_DESIGN } from "../settlement/coverage";
import { predict } from "../settlement/fitting";
import { confidenceBand } from "../settlement/intervals";
import { joinSensors, type SensorSeries } from "../settlement/joining";
import { resolveOrigin, SETTLEMENT_SCHEMA, type SettlementParams } from "../settlement/params";
import { analysisSummary, analysisText } from "../settlement/report";
import { FOSHAN_SETTLEMENT, FOSHAN_SETTLEMENT_OVERRIDES, FOSHAN_SUBWAY } from "../studies/foshan/subway";

export const OPTIONS = {
  input: { type: "string", short: "i", value: "CSV", description: "fit: rows date,value[,sensor] (header and # comments skipped)" },
  param: { type: "string", short: "p", multiple: true, value: "NAME=VALUE", description: "set a parameter (list below)" },
  model: { type: "string", value: "MODEL", description: "shortcut for --param model=MODEL (auto | logistic | linear | exponential)" },
  study: { type: "string", value: "NAME", description: "parameter overrides: foshan (§4, eq. 2) or generic", default: "foshan" },
  json: { type: "boolean", description: "fit: print JSON instead of text" },
  band: { type: "boolean", description: "fit: add the fitted curve with its (linearised) band on 51 dates to the JSON" },
  runs: { type: "string", value: "N", description: "coverage: Monte-Carlo series", default: "200" },
  seed: { type: "string", value: "N", description: "coverage: first seed", default: "1" },
  help: { type: "boolean", short: "h", description: "this help" },
} as const;

const STUDIES: Record<string, { overrides: StudyOverrides<SettlementParams>; params: SettlementParams }> = {
  foshan: { overrides: FOSHAN_SETTLEMENT_OVERRIDES, params: FOSHAN_SETTLEMENT },
  generic: { overrides: {}, params: defaultsOf(SETTLEMENT_SCHEMA) },
};

export function usage(): string {
  return [
    "usage: npm run settlement -- fit --input <csv: date,value[,sensor]> [--param name=value]... [--model M] [--json] [--band]",
    "       npm run settlement -- coverage [--runs 200] [--seed 1]",
    "",
    "options:",
    optionHelp(OPTIONS),
    "",
    "parameters (--param name=value; generic default, then the Foshan study's value where it differs):",
    paramHelp(SETTLEMENT_SCHEMA, FOSHAN_SETTLEMENT_OVERRIDES, "foshan"),
  ].join("\n");
}

/**
 * The column delimiter of a series file: `;` or tab when a data line has one (spreadsheets in locales with
 * a decimal comma write `2019-01-01;-3,5`), else `,`. One delimiter per file, so a decimal comma can never
 * split a value into a value and a "sensor".
 */
export function detectDelimiter(lines: readonly string[]): "," | ";" | "\t" {
  const data = lines.filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  if (data.some((l) => l.includes(";"))) return ";";
  if (data.some((l) => l.includes("\t"))) return "\t";
  return ",";
}

/** Reads `date,value[,sensor]` rows (`;` or tab also accepted, see detectDelimiter); a header row and `#` comments are skipped. */
export function readSeriesCsv(file: string): SensorSeries[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(file, `cannot read (${(e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  const delim = detectDelimiter(lines);
  const expected = `"date${delim === "\t" ? "<tab>" : delim}value[${delim === "\t" ? "<tab>" : delim}sensor]"`;
  const bySensor = new Map<string, { dates: string[]; values: number[]; line: Map<string, number> }>();
  let rows = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(delim).map((c) => c.trim());
    const at = `line ${i + 1}`;
    if (rows === 0 && !/^\d{4}-?\d{2}-?\d{2}/.test(cells[0])) return; // header
    if (cells.length < 2) throw new FileError(file, `${at}: expected ${expected}, found "${line}"`);
    if (cells.length > 3) throw new FileError(file, `${at}: ${cells.length} columns, expected ${expected} (is "${delim === "," ? "," : delim}" also used inside a value?)`);
    try {
      parseDate(cells[0]);
    } catch (e) {
      throw new FileError(file, `${at}: ${(e as Error).message}`);
    }
    if (cells[1] === "") throw new FileError(file, `${at}: value missing for ${cells[0]}`);
    // With ";" or tab columns, a decimal comma is the locale's decimal separator.
    const text1 = delim !== "," && /^[-+]?\d+,\d+$/.test(cells[1]) ? cells[1].replace(",", ".") : cells[1];
    const v = Number(text1);
    if (!Number.isFinite(v)) throw new FileError(file, `${at}: value "${cells[1]}" is not a number`);
    const sensor = cells[2] && cells[2] !== "" ? cells[2] : "series";
    let s = bySensor.get(sensor);
    if (!s) {
      s = { dates: [], values: [], line: new Map() };
      bySensor.set(sensor, s);
    }
    const d = isoDate(cells[0]);
    const prev = s.line.get(d);
    if (prev !== undefined) {
      const pv = s.values[s.dates.indexOf(d)];
      if (pv !== v) throw new FileError(file, `${at}: ${d} already has value ${pv} at line ${prev} (sensor ${sensor}); conflicting duplicate dates`);
      return; // an exact repeat carries no new information
    }
    s.line.set(d, i + 1);
    s.dates.push(d);
    s.values.push(v);
    rows++;
  });
  if (rows === 0) throw new FileError(file, `no data rows (expected ${expected})`);
  return [...bySensor.entries()].map(([sensor, s]) => ({ sensor, dates: s.dates, values: s.values }));
}

function intOption(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive whole number, not "${v}"`);
  return n;
}

/** Runs one command; returns what it printed as an object (the JSON), printing text unless `print` is false. */
export function run(argv: readonly string[], print = true): Record<string, unknown> {
  const [cmd, ...rest] = argv;
  const { options: o } = parseCommand(rest, OPTIONS);
  const study = STUDIES[o.study ?? "foshan"];
  if (!study) throw new UsageError(`--study must be ${Object.keys(STUDIES).join(" or ")}, not "${o.study}"`);
  const assignments: Record<string, unknown> = parseAssignments(o.param);
  if (o.model !== undefined) assignments.model = o.model;
  const params = applyParams(SETTLEMENT_SCHEMA, study.params, assignments);
  const write = (text: string): void => {
    if (print) process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  };

  if (cmd === "coverage") {
    const runs = intOption(o.runs ?? "200", "runs");
    const seed = intOption(o.seed ?? "1", "seed");
    const planted = FOSHAN_SUBWAY.settlement.planted;
    const truth = { origin: "2008-01-01", a: planted.a, b: planted.b, c: planted.c };
    const results = intervalCoverage({ truth, sensors: TWO_SENSOR_DESIGN, runs, firstSeed: seed, level: params.confidence, fraction: params.stabiliseFraction, methods: ["linearised", "profile"] });
    const out = { truth, design: TWO_SENSOR_DESIGN, results };
    if (o.json) write(JSON.stringify(out, null, 2));
    else {
      write(`coverage of nominal ${Math.round(params.confidence * 100)} % intervals, ${runs} seeded two-sensor series (seeds ${seed}…${seed + runs - 1}):`);
      for (const r of results) write(`  ${r.method.padEnd(11)} ${Object.entries(r.coverage).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join("  ")}`);
    }
    return out;
  }
  if (cmd !== "fit") throw new UsageError(`unknown command "${cmd ?? ""}" (fit or coverage)`);
  const input = requireOption(o.input, "input");
  const series = readSeriesCsv(input);
  const origin = resolveOrigin(params.origin, series.flatMap((s) => s.dates));
  const joined = joinSensors(series, origin);
  const an = analyseSettlement({ t: joined.t, y: joined.y, group: joined.group, sensors: joined.sensors, source: basename(input) }, params, origin);
  const out: Record<string, unknown> = { input, sensors: joined.sensors, ...analysisSummary(an) };
  if (o.band) {
    const tMin = joined.t[0];
    const tMax = joined.t[joined.t.length - 1];
    const ts = Array.from({ length: 51 }, (_, i) => tMin + ((tMax - tMin) * i) / 50);
    const band = confidenceBand(an.fit, ts, params.confidence);
    const fitted = predict(an.fit, ts);
    out.band = ts.map((t, i) => ({ date: dateAfter(origin, t), years: t, fit: fitted[i], lower: band.lower[i], upper: band.upper[i] }));
  }
  write(o.json ? JSON.stringify(out, null, 2) : analysisText(an));
  return out;
}

/** Entry point for `npm run settlement -- …`; returns the exit code (0 done, 1 failed, 2 bad usage). */
export function main(argv: readonly string[]): Promise<number> {
  return runCli("settlement", () => {
    if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(usage() + "\n");
      return argv.length === 0 ? 2 : 0;
    }
    run(argv);
    return 0;
  });
}
