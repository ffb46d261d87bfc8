/**
 * One parameter schema per algorithm area. The area declares every parameter once — type, generic
 * default (for SBAS: MintPy's smallbaselineApp.cfg value), range and meaning — and a study declares only
 * its overrides, each with the paper's section. From that one object come the CLI `--help` (in the style
 * of MintPy's template: every option with default, range and meaning), `--param` parsing with range
 * checks, the docs tables, and the tests that a notebook's parameters cell equals its study.
 */
import { UsageError } from "./errors";

export type ParamKind = "number" | "integer" | "boolean" | "string" | "date" | "enum" | "numbers" | "integers" | "dates" | "strings";

export interface ParamSpec<T> {
  kind: ParamKind;
  default: T;
  /** What the parameter means (for MintPy-derived ones, MintPy's template comment). */
  description: string;
  /** Where the default comes from: "MintPy smallbaselineApp.cfg", "paper §2.3", "choice". */
  source?: string;
  unit?: string;
  /** Inclusive bounds for numbers (each element for lists). Infinity allowed where "no limit" is meant. */
  min?: number;
  max?: number;
  /** Allowed values for `enum` (and each element of `strings` when given). */
  values?: readonly string[];
  /** Section heading in help and docs. */
  group?: string;
}

export type ParamSchema<P> = { readonly [K in keyof P]-?: ParamSpec<P[K]> };

export interface Override<T> {
  value: T;
  /** The paper's section, table or equation (or "choice: …" with the reason). */
  source: string;
}

export type StudyOverrides<P> = { readonly [K in keyof P]?: Override<P[K]> };

/** A value as it arrives from `--param` text or a JSON notebook cell. */
export type RawParam = string | number | boolean | null | readonly unknown[];

function fail(name: string, msg: string): never {
  throw new UsageError(`parameter ${name}: ${msg}`);
}

function parseNumberText(name: string, s: string): number {
  const t = s.trim().toLowerCase();
  if (t === "inf" || t === "infinity" || t === "+inf") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  if (t === "" || Number.isNaN(Number(t))) fail(name, `"${s}" is not a number`);
  return Number(t);
}

function checkNumber(name: string, spec: ParamSpec<unknown>, x: unknown, integer: boolean): number {
  const v = typeof x === "string" ? parseNumberText(name, x) : x;
  if (typeof v !== "number" || Number.isNaN(v)) fail(name, `${JSON.stringify(x)} is not a number`);
  if (integer && Number.isFinite(v) && !Number.isInteger(v)) fail(name, `${v} is not a whole number`);
  if (spec.min !== undefined && v < spec.min) fail(name, `${v} is below the minimum ${spec.min}${rangeText(spec)}`);
  if (spec.max !== undefined && v > spec.max) fail(name, `${v} is above the maximum ${spec.max}${rangeText(spec)}`);
  return v;
}

function rangeText(spec: ParamSpec<unknown>): string {
  return ` (allowed ${fmtRange(spec)})`;
}

function fmtRange(spec: ParamSpec<unknown>): string {
  if (spec.values) return spec.values.join(" | ");
  if (spec.min === undefined && spec.max === undefined) return "";
  return `${spec.min ?? "-inf"} … ${spec.max ?? "inf"}`;
}

function checkDate(name: string, x: unknown): string {
  if (typeof x !== "string" || !/^\d{4}-?\d{2}-?\d{2}$/.test(x)) fail(name, `${JSON.stringify(x)} is not a date (YYYYMMDD or YYYY-MM-DD)`);
  const c = x.replaceAll("-", "");
  const d = new Date(Date.UTC(+c.slice(0, 4), +c.slice(4, 6) - 1, +c.slice(6, 8)));
  if (d.getUTCDate() !== +c.slice(6, 8)) fail(name, `"${x}" is not a calendar date`);
  return x;
}

function asList(name: string, x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (typeof x === "string") {
    const t = x.trim();
    if (t.startsWith("[")) {
      try {
        const j: unknown = JSON.parse(t);
        if (Array.isArray(j)) return j;
      } catch {
        fail(name, `"${x}" is not a JSON list`);
      }
    }
    if (t === "" || t === "none" || t === "no") return [];
    return t.split(",").map((s) => s.trim());
  }
  if (x === null) return [];
  return fail(name, `${JSON.stringify(x)} is not a list`);
}

/** Check (and, from text, convert) one value against its spec; throws UsageError naming the parameter. */
export function coerceParam<T>(name: string, spec: ParamSpec<T>, x: unknown): T {
  const s = spec as ParamSpec<unknown>;
  switch (spec.kind) {
    case "number":
      return checkNumber(name, s, x, false) as T;
    case "integer":
      return checkNumber(name, s, x, true) as T;
    case "boolean": {
      if (typeof x === "boolean") return x as T;
      const t = String(x).trim().toLowerCase();
      if (["true", "yes", "1", "on"].includes(t)) return true as T;
      if (["false", "no", "0", "off"].includes(t)) return false as T;
      return fail(name, `${JSON.stringify(x)} is not a boolean (true/false, yes/no)`);
    }
    case "string":
      if (typeof x !== "string") fail(name, `${JSON.stringify(x)} is not a string`);
      return x as T;
    case "date":
      return checkDate(name, x) as T;
    case "enum":
      if (typeof x !== "string" || !spec.values?.includes(x)) fail(name, `${JSON.stringify(x)} is not one of ${spec.values?.join(", ")}`);
      return x as T;
    case "numbers":
    case "integers":
      return asList(name, x).map((e, i) => checkNumber(`${name}[${i}]`, s, e, spec.kind === "integers")) as T;
    case "dates":
      return asList(name, x).map((e, i) => checkDate(`${name}[${i}]`, e)) as T;
    case "strings": {
      const l = asList(name, x);
      for (const [i, e] of l.entries()) {
        if (typeof e !== "string") fail(`${name}[${i}]`, `${JSON.stringify(e)} is not a string`);
        if (spec.values && !spec.values.includes(e)) fail(`${name}[${i}]`, `"${e}" is not one of ${spec.values.join(", ")}`);
      }
      return l as T;
    }
  }
}

export function defaultsOf<P>(schema: ParamSchema<P>): P {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(schema)) out[k] = cloneValue((schema as Record<string, ParamSpec<unknown>>)[k].default);
  return out as P;
}

function cloneValue<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}

/** The generic defaults with a study's overrides applied (each checked against the schema). */
export function withOverrides<P>(schema: ParamSchema<P>, overrides: StudyOverrides<P>): P {
  const p = defaultsOf(schema) as Record<string, unknown>;
  for (const [k, o] of Object.entries(overrides) as [string, Override<unknown> | undefined][]) {
    if (!o) continue;
    const spec = (schema as Record<string, ParamSpec<unknown> | undefined>)[k];
    if (!spec) throw new Error(`study override "${k}" is not a parameter of this area`);
    p[k] = coerceParam(k, spec, cloneValue(o.value));
  }
  return p as P;
}

/** Apply `name=value` assignments (CLI `--param`, notebook injection) to `base`; unknown names are refused. */
export function applyParams<P>(schema: ParamSchema<P>, base: P, assignments: Readonly<Record<string, unknown>>): P {
  const out = { ...base } as Record<string, unknown>;
  const known = Object.keys(schema);
  for (const [k, raw] of Object.entries(assignments)) {
    const spec = (schema as Record<string, ParamSpec<unknown> | undefined>)[k];
    if (!spec) {
      const near = known.filter((n) => n.toLowerCase().includes(k.toLowerCase()) || k.toLowerCase().includes(n.toLowerCase()));
      throw new UsageError(`unknown parameter "${k}"${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}; see --help for the list`);
    }
    out[k] = coerceParam(k, spec, raw);
  }
  return out as P;
}

/** Check every value of a full parameter object (e.g. a notebook's parameters cell). */
export function validateParams<P>(schema: ParamSchema<P>, p: P): P {
  for (const k of Object.keys(schema)) {
    coerceParam(k, (schema as Record<string, ParamSpec<unknown>>)[k], (p as Record<string, unknown>)[k]);
  }
  return p;
}

/** Parse repeated `name=value` strings into an assignment record. */
export function parseAssignments(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param expects name=value, got "${kv}"`);
    out[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
  }
  return out;
}

export function formatParamValue(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.map(formatParamValue).join(",") : "none";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return String(v);
}

function groups<P>(schema: ParamSchema<P>): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const k of Object.keys(schema)) {
    const name = (schema as Record<string, ParamSpec<unknown>>)[k].group ?? "parameters";
    g.set(name, [...(g.get(name) ?? []), k]);
  }
  return g;
}

/**
 * Parameter help as MintPy's template shows it: `name = default  # meaning [range] (source)`, by group,
 * with a study's overriding values marked.
 */
export function paramHelp<P>(schema: ParamSchema<P>, overrides: StudyOverrides<P> = {}, studyName = "study"): string {
  const lines: string[] = [];
  for (const [group, keys] of groups(schema)) {
    lines.push(`  ## ${group}`);
    for (const k of keys) {
      const s = (schema as Record<string, ParamSpec<unknown>>)[k];
      const o = (overrides as Record<string, Override<unknown> | undefined>)[k];
      const range = fmtRange(s);
      const unit = s.unit ? ` [${s.unit}]` : "";
      lines.push(`  ${k} = ${formatParamValue(s.default)}${unit}  # ${s.description}${range ? ` {${range}}` : ""}${s.source ? ` (${s.source})` : ""}`);
      if (o) lines.push(`      ${studyName}: ${formatParamValue(o.value)} (${o.source})`);
    }
  }
  return lines.join("\n");
}

function mdCell(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The docs table of an area's parameters, with one study column per overrides object. */
export function paramTable<P>(schema: ParamSchema<P>, studies: Readonly<Record<string, StudyOverrides<P>>> = {}): string {
  const names = Object.keys(studies);
  const head = ["parameter", "default", "range", "meaning", "default from", ...names];
  const rows = [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`];
  for (const k of Object.keys(schema)) {
    const s = (schema as Record<string, ParamSpec<unknown>>)[k];
    const cells = [
      `\`${k}\``,
      `\`${formatParamValue(s.default)}\`${s.unit ? ` ${s.unit}` : ""}`,
      fmtRange(s),
      s.description,
      s.source ?? "",
      ...names.map((n) => {
        const o = (studies[n] as Record<string, Override<unknown> | undefined>)[k];
        return o ? `\`${formatParamValue(o.value)}\` (${o.source})` : "";
      }),
    ];
    rows.push(`| ${cells.map(mdCell).join(" | ")} |`);
  }
  return rows.join("\n");
}
