/**
 * The Jupyter notebook format (nbformat 4) as the runner needs it, plus papermill-style parameters:
 * the code cell tagged `parameters` declares defaults, and overrides go into a cell tagged
 * `injected-parameters` placed right after it. tslab accepts redeclaring a `const` in a later cell,
 * so the override cell redeclares each name, keeping the declared type annotation where there is one.
 */
import { readFileSync } from "node:fs";
import { FileError } from "../core/errors";
import { writeFileAtomic } from "../core/atomic";
import { dirname } from "node:path";
import ts from "typescript";

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string[] | string;
}
export interface DisplayOutput {
  output_type: "display_data" | "execute_result";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  execution_count?: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayOutput | ErrorOutput;

export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}
export interface CodeCell {
  cell_type: "code";
  source: string[] | string;
  metadata: CellMetadata;
  outputs: Output[];
  execution_count: number | null;
  id?: string;
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  source: string[] | string;
  metadata: CellMetadata;
  id?: string;
  attachments?: Record<string, unknown>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

export const TSLAB_METADATA = {
  kernelspec: { display_name: "TypeScript (deformation-lab)", language: "typescript", name: "deformation-lab" },
  language_info: {
    codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
    file_extension: ".ts",
    mimetype: "text/typescript",
    name: "typescript",
    version: "5.0.4",
  },
};

export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** nbformat stores multi-line strings as lists of lines, each keeping its newline. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n").map((l) => l + "\n");
  const last = lines.length - 1;
  lines[last] = lines[last].slice(0, -1);
  if (lines[last] === "") lines.pop();
  return lines;
}

/** A notebook file is unreadable or wrong (a FileError, kept as its own type for `instanceof`). */
export class NotebookError extends FileError {}

export function parseNotebook(text: string, file: string): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(file, `not valid JSON (${(e as Error).message})`);
  }
  const n = nb as Partial<Notebook>;
  if (typeof n !== "object" || n === null || !Array.isArray(n.cells)) {
    throw new NotebookError(file, "not a Jupyter notebook (no `cells` array)");
  }
  if (n.nbformat !== 4) throw new NotebookError(file, `nbformat ${String(n.nbformat)} is not supported (need 4)`);
  n.cells.forEach((c, i) => {
    if (!c || (c.cell_type !== "code" && c.cell_type !== "markdown" && c.cell_type !== "raw")) {
      throw new NotebookError(file, `cell ${i + 1} has an unknown cell_type`);
    }
    c.metadata ??= {};
    if (c.cell_type === "code") {
      c.outputs ??= [];
      c.execution_count ??= null;
    }
  });
  return n as Notebook;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new NotebookError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNotebook(text, file);
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + "\n");
}

let idCounter = 0;
function newCellId(): string {
  return `cell-${Date.now().toString(36)}-${(idCounter++).toString(36)}`;
}

export function codeCell(source: string, tags: string[] = []): CodeCell {
  return {
    cell_type: "code",
    id: newCellId(),
    metadata: tags.length ? { tags } : {},
    source: splitLines(source),
    outputs: [],
    execution_count: null,
  };
}

export function markdownCell(source: string): TextCell {
  return { cell_type: "markdown", id: newCellId(), metadata: {}, source: splitLines(source) };
}

export function newNotebook(cells: Cell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: { ...TSLAB_METADATA }, cells };
}

/**
 * Reads a "percent" script — `// %% [markdown]` cells hold markdown in line comments, `// %%` starts a
 * code cell, `// %% tags=parameters` tags it — into a notebook. Handy for writing notebooks in an editor.
 */
export function notebookFromPercent(text: string): Notebook {
  const cells: Cell[] = [];
  let kind: "code" | "markdown" | null = null;
  let tags: string[] = [];
  let buf: string[] = [];
  const flush = (): void => {
    if (kind === null) return;
    while (buf.length && buf[buf.length - 1].trim() === "") buf.pop();
    while (buf.length && buf[0].trim() === "") buf.shift();
    if (kind === "markdown") cells.push(markdownCell(buf.map((l) => l.replace(/^\/\/ ?/, "")).join("\n")));
    else cells.push(codeCell(buf.join("\n"), tags));
    buf = [];
  };
  for (const line of text.split("\n")) {
    const m = /^\/\/ %%(.*)$/.exec(line);
    if (m) {
      flush();
      const rest = m[1];
      kind = /\[markdown\]/.test(rest) ? "markdown" : "code";
      const t = /tags=([\w,-]+)/.exec(rest);
      tags = t ? t[1].split(",") : [];
      continue;
    }
    if (kind === null) continue;
    buf.push(line);
  }
  flush();
  return newNotebook(cells);
}

/** Clears outputs and counts, as notebooks are committed. */
export function stripOutputs(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) => (c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : c)),
  };
}

// ---------------------------------------------------------------- parameters

export type ParamValue = number | boolean | string | null | ParamValue[] | { [k: string]: ParamValue };

export interface DeclaredParameter {
  name: string;
  /** The declared type annotation, as written, if any. */
  type?: string;
  /** The initializer as written. */
  initializer: string;
}

export function findParametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === "code" && (c.metadata.tags ?? []).includes("parameters"));
}

/** The top-level `const`/`let`/`var` declarations of a parameters cell. */
export function declaredParameters(source: string): DeclaredParameter[] {
  const sf = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: DeclaredParameter[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      out.push({
        name: d.name.text,
        type: d.type ? d.type.getText(sf) : undefined,
        initializer: d.initializer ? d.initializer.getText(sf) : "undefined",
      });
    }
  }
  return out;
}

/**
 * Parses a command-line value the way papermill does for typed parameters: numbers, booleans, null
 * and JSON (arrays, objects, quoted strings) are parsed; anything else is a string.
 */
export function parseParamValue(raw: string): ParamValue {
  const t = raw.trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  if (t !== "" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^[[{"]/.test(t)) {
    try {
      return JSON.parse(t) as ParamValue;
    } catch {
      // Not JSON after all: keep it as the string the user typed.
    }
  }
  return raw;
}

/** `name=value` pairs from `--param` flags. */
export function parseParamAssignments(pairs: string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new Error(`--param expects name=value, got "${p}"`);
    const name = p.slice(0, eq).trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`--param: "${name}" is not a valid parameter name`);
    out[name] = parseParamValue(p.slice(eq + 1));
  }
  return out;
}

export interface InjectionResult {
  notebook: Notebook;
  /** Every parameter with the value in effect: the override, or the default as written. */
  effective: Record<string, string>;
}

/**
 * Returns a copy of the notebook with an `injected-parameters` cell after the `parameters` cell.
 * Unknown names are an error naming the notebook and the parameters it does declare.
 */
export function injectParameters(
  nb: Notebook,
  overrides: Record<string, ParamValue>,
  file: string,
  opts: { ignoreUnknown?: string[] } = {},
): InjectionResult {
  const idx = findParametersCell(nb);
  const names = Object.keys(overrides);
  if (idx < 0) {
    const wanted = names.filter((n) => !(opts.ignoreUnknown ?? []).includes(n));
    if (wanted.length) throw new NotebookError(file, `has no cell tagged "parameters", cannot set ${wanted.join(", ")}`);
    return { notebook: nb, effective: {} };
  }
  const declared = declaredParameters(cellSource(nb.cells[idx]));
  const byName = new Map(declared.map((d) => [d.name, d]));
  const unknown = names.filter((n) => !byName.has(n) && !(opts.ignoreUnknown ?? []).includes(n));
  if (unknown.length) {
    throw new NotebookError(
      file,
      `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; declared: ${declared.map((d) => d.name).join(", ") || "(none)"}`,
    );
  }
  const effective: Record<string, string> = {};
  for (const d of declared) effective[d.name] = d.initializer;
  const lines: string[] = ["// Parameters injected by `npm run reproduce -- --param`"];
  for (const n of names) {
    const d = byName.get(n);
    if (!d) continue;
    const literal = JSON.stringify(overrides[n]);
    lines.push(`const ${n}${d.type ? `: ${d.type}` : ""} = ${literal};`);
    effective[n] = literal;
  }
  if (lines.length === 1) return { notebook: nb, effective };
  const cells = [...nb.cells];
  cells.splice(idx + 1, 0, codeCell(lines.join("\n"), ["injected-parameters"]));
  return { notebook: { ...nb, cells }, effective };
}
