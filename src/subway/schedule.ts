/**
 * Table 1 of the Foshan study — the metro construction schedule — from its data file
 * (src/studies/foshan/metro-schedule.json), checked on load: every value either names a source that
 * the file lists or is the string "unknown".
 */
import { FileError } from "../core/errors";
import { join } from "node:path";
import { readJsonFile } from "../geometry/geojson";
import { projectRoot } from "../core/project";

export type Sourced<T> = { value: T | "unknown"; source?: string; note?: string };

export interface ScheduleRow {
  line: string;
  lineName: string;
  section: string;
  lengthKm: Sourced<number>;
  stations: Sourced<number>;
  constructionStart: Sourced<string>;
  opening: Sourced<string>;
  /** A whole-line summary row rather than a section. */
  total?: boolean;
}

export interface Schedule {
  title: string;
  note: string;
  sources: Record<string, { cite: string; url?: string; seenAt?: string }>;
  rows: ScheduleRow[];
}

export function schedulePath(): string {
  return join(projectRoot(), "src", "studies", "foshan", "metro-schedule.json");
}

const FIELDS = ["lengthKm", "stations", "constructionStart", "opening"] as const;

export function parseSchedule(file: string, json: unknown): Schedule {
  const s = json as Schedule;
  if (!s || typeof s !== "object" || !Array.isArray(s.rows) || typeof s.sources !== "object") {
    throw new FileError(file, `expected { title, note, sources, rows }`);
  }
  s.rows.forEach((r, i) => {
    for (const f of FIELDS) {
      const v = r[f];
      if (!v || typeof v !== "object" || !("value" in v)) throw new FileError(file, `rows[${i}].${f} has no value`);
      if (v.value === "unknown") continue;
      if (!v.source) throw new FileError(file, `rows[${i}] (${r.line} ${r.section}).${f} = ${String(v.value)} has no source`);
      if (!s.sources[v.source]) throw new FileError(file, `rows[${i}].${f} cites "${v.source}", which is not in "sources"`);
      if ((f === "lengthKm" || f === "stations") && typeof v.value !== "number") {
        throw new FileError(file, `rows[${i}].${f} must be a number or "unknown"`);
      }
    }
  });
  return s;
}

export function readSchedule(file: string = schedulePath()): Schedule {
  return parseSchedule(file, readJsonFile(file));
}

/** Flat rows for display: each value followed by its source id ("—" where unknown). */
export function scheduleTable(s: Schedule): Record<string, string | number>[] {
  const cell = (v: Sourced<string | number>): string | number => (v.value === "unknown" ? "unknown" : v.value);
  const src = (v: Sourced<string | number>): string => (v.value === "unknown" ? "—" : (v.source ?? ""));
  return s.rows.map((r) => ({
    line: r.lineName,
    section: r.section,
    "length (km)": cell(r.lengthKm),
    stations: cell(r.stations),
    "construction start": cell(r.constructionStart),
    opening: cell(r.opening),
    sources: [...new Set(FIELDS.map((f) => src(r[f] as Sourced<string | number>)))].filter((x) => x !== "—").join(", "),
  }));
}

/** Totals over whole-line rows (or sections where a line has no whole-line row), known values only. */
export function scheduleTotals(s: Schedule, lines?: readonly string[]): { lengthKm: number; stations: number; unknown: string[] } {
  const pick = new Map<string, ScheduleRow[]>();
  for (const r of s.rows) {
    if (lines && !lines.includes(r.line)) continue;
    const list = pick.get(r.line) ?? [];
    list.push(r);
    pick.set(r.line, list);
  }
  let lengthKm = 0;
  let stations = 0;
  const unknown: string[] = [];
  for (const [line, rows] of pick) {
    const total = rows.find((r) => r.total);
    const use = total ? [total] : rows.filter((r) => !r.total);
    for (const r of use) {
      if (typeof r.lengthKm.value === "number") lengthKm += r.lengthKm.value;
      else unknown.push(`${line} ${r.section} length`);
      if (typeof r.stations.value === "number") stations += r.stations.value;
      else unknown.push(`${line} ${r.section} stations`);
    }
  }
  return { lengthKm, stations, unknown };
}
