/** The per-epoch training log: its columns, the JSON + CSV files the notebooks plot, and reading them back. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import type { EpochMetrics } from "./metrics";

export interface EpochLog {
  epoch: number;
  loss: number;
  precision: number;
  recall: number;
  f1: number;
  kerasPrecision: number;
  kerasRecall: number;
  kerasF1: number;
  valLoss: number;
  valPrecision: number;
  valRecall: number;
  valF1: number;
  valKerasPrecision: number;
  valKerasRecall: number;
  valKerasF1: number;
  seconds: number;
}

export const LOG_COLUMNS: (keyof EpochLog)[] = [
  "epoch",
  "loss",
  "precision",
  "recall",
  "f1",
  "kerasPrecision",
  "kerasRecall",
  "kerasF1",
  "valLoss",
  "valPrecision",
  "valRecall",
  "valF1",
  "valKerasPrecision",
  "valKerasRecall",
  "valKerasF1",
  "seconds",
];

export function logCsv(log: EpochLog[]): string {
  const lines = [LOG_COLUMNS.join(",")];
  for (const r of log) lines.push(LOG_COLUMNS.map((c) => String(r[c])).join(","));
  return lines.join("\n") + "\n";
}

export function writeLogs(outDir: string, log: EpochLog[], meta: Record<string, unknown>): void {
  writeFileAtomic(join(outDir, "training-log.json"), JSON.stringify({ ...meta, epochs: log }, null, 1));
  writeFileAtomic(join(outDir, "training-log.csv"), logCsv(log));
}

/** Reads a training log written by `train` (for notebooks that plot a finished run). */
export function readTrainingLog(outDir: string): EpochLog[] {
  const f = join(outDir, "training-log.json");
  if (!existsSync(f)) throw new Error(`${f}: missing (no training run in ${outDir})`);
  return (JSON.parse(readFileSync(f, "utf8")) as { epochs: EpochLog[] }).epochs;
}

export function metricsRow(prefix: "" | "val", m: EpochMetrics): Partial<EpochLog> {
  const k = (n: string): string => (prefix ? `val${n[0].toUpperCase()}${n.slice(1)}` : n);
  return {
    [k("loss")]: m.loss,
    [k("precision")]: m.precision,
    [k("recall")]: m.recall,
    [k("f1")]: m.f1,
    [k("kerasPrecision")]: m.kerasPrecision,
    [k("kerasRecall")]: m.kerasRecall,
    [k("kerasF1")]: m.kerasF1,
  } as Partial<EpochLog>;
}

