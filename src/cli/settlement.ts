/**
 * `npm run settlement -- fit --input <csv> [--model logistic|linear|exponential|all] [--origin DATE]
 *  [--fraction 0.95] [--confidence 0.95] [--band]`
 *
 * Fits a settlement model to a CSV of `date,value` rows (optional third column `sensor`: series from
 * several sensors are joined with a fitted offset each, the first sensor named being the reference)
 * and prints JSON: parameters with standard errors, fit statistics, the stabilisation date and, for
 * `all`, the AIC ranking. Defaults come from FOSHAN_SUBWAY.settlement.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { FOSHAN_SUBWAY } from "../studies/foshan/subway";
import {
  SETTLEMENT_MODELS,
  compareModels,
  confidenceBand,
  dateAfter,
  fitSettlement,
  fitSummary,
  joinSensors,
  parseDate,
  type SensorSeries,
  type SettlementModel,
} from "../settlement/fit";

export const USAGE = `usage: settlement fit --input <csv: date,value[,sensor]> [--model logistic|linear|exponential|all]
       [--origin YYYY-MM-DD] [--fraction 0.95] [--confidence 0.95] [--band]`;

/** Reads `date,value[,sensor]` rows; a header row and `#` comments are skipped. */
export function readSeriesCsv(file: string): SensorSeries[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  const name = basename(file);
  const bySensor = new Map<string, { dates: string[]; values: number[] }>();
  const lines = text.split(/\r?\n/);
  let rows = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const lineNo = i + 1;
    if (rows === 0 && !/^\d{4}-?\d{2}-?\d{2}/.test(cells[0])) return; // header
    if (cells.length < 2) throw new Error(`${name}:${lineNo}: expected "date,value", found "${line}"`);
    try {
      parseDate(cells[0]);
    } catch (e) {
      throw new Error(`${name}:${lineNo}: ${(e as Error).message}`);
    }
    if (cells[1] === "") throw new Error(`${name}:${lineNo}: value missing for ${cells[0]}`);
    const v = Number(cells[1]);
    if (!Number.isFinite(v)) throw new Error(`${name}:${lineNo}: value "${cells[1]}" is not a number`);
    const sensor = cells[2] && cells[2] !== "" ? cells[2] : "series";
    let s = bySensor.get(sensor);
    if (!s) {
      s = { dates: [], values: [] };
      bySensor.set(sensor, s);
    }
    s.dates.push(cells[0]);
    s.values.push(v);
    rows++;
  });
  if (rows === 0) throw new Error(`${name}: no data rows (expected "date,value[,sensor]")`);
  return [...bySensor.entries()].map(([sensor, s]) => ({ sensor, dates: s.dates, values: s.values }));
}

function parseArgs(argv: string[]): { cmd: string; opts: Record<string, string | true> } {
  const [cmd, ...rest] = argv;
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"\n${USAGE}`);
    const eq = a.indexOf("=");
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < rest.length && !rest[i + 1].startsWith("--")) opts[a.slice(2)] = rest[++i];
    else opts[a.slice(2)] = true;
  }
  return { cmd: cmd ?? "", opts };
}

function numberOpt(opts: Record<string, string | true>, key: string, dflt: number): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new Error(`--${key} needs a number`);
  return n;
}

/** Runs the CLI; returns the JSON result (also printed unless `print` is false). */
export function run(argv: string[], print = true): Record<string, unknown> {
  const { cmd, opts } = parseArgs(argv);
  if (cmd !== "fit") throw new Error(`unknown command "${cmd}"\n${USAGE}`);
  const input = opts.input;
  if (typeof input !== "string") throw new Error(`--input <csv> is required\n${USAGE}`);
  const defaults = FOSHAN_SUBWAY.settlement;
  const modelArg = opts.model === undefined ? defaults.model : String(opts.model);
  if (modelArg !== "all" && !SETTLEMENT_MODELS.includes(modelArg as SettlementModel)) {
    throw new Error(`--model must be logistic, linear, exponential or all, not "${modelArg}"`);
  }
  const origin = typeof opts.origin === "string" ? opts.origin : defaults.origin;
  parseDate(origin);
  const fraction = numberOpt(opts, "fraction", defaults.stabiliseFraction);
  const confidence = numberOpt(opts, "confidence", defaults.confidence);

  const series = readSeriesCsv(input);
  const joined = joinSensors(series, origin);
  const fitInput = { t: joined.t, y: joined.y, group: joined.group, sensors: joined.sensors, source: basename(input) };
  let out: Record<string, unknown>;
  if (modelArg === "all") {
    const ranking = compareModels(fitInput, SETTLEMENT_MODELS, { confidence });
    out = {
      input,
      sensors: joined.sensors,
      ranking: ranking.map((r) => ({ model: r.model, aic: r.aic, aicc: r.aicc, deltaAic: r.deltaAic, weight: r.weight, rmse: r.rmse, ...(r.error ? { error: r.error } : {}) })),
      best: ranking[0].fit ? fitSummary(ranking[0].fit, origin, fraction) : null,
      fits: Object.fromEntries(ranking.filter((r) => r.fit).map((r) => [r.model, fitSummary(r.fit!, origin, fraction)])),
    };
  } else {
    const fit = fitSettlement(fitInput, { model: modelArg as SettlementModel, confidence });
    out = { input, sensors: joined.sensors, ...fitSummary(fit, origin, fraction) };
    if (opts.band) {
      const tMin = joined.t[0];
      const tMax = joined.t[joined.t.length - 1];
      const ts = Array.from({ length: 51 }, (_, i) => tMin + ((tMax - tMin) * i) / 50);
      const band = confidenceBand(fit, ts, confidence);
      out.band = ts.map((t, i) => ({ date: dateAfter(origin, t), years: t, fit: band.fit[i], lower: band.lower[i], upper: band.upper[i] }));
    }
  }
  if (print) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  return out;
}

/** Entry point for `npm run settlement -- …`: prints JSON, returns the exit code. */
export function main(argv: string[]): number {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  try {
    run(argv);
    return 0;
  } catch (e) {
    process.stderr.write(`settlement: ${(e as Error).message}\n`);
    return 1;
  }
}
