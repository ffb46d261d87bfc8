/**
 * Executes one notebook with tslab's TypeScript executor in this process, filling in outputs the way
 * the Jupyter kernel would: stdout/stderr streams, display data (through tslab's
 * `lastWriteDisplayData`), execution counts and, on failure, an error output. The first failing cell
 * stops the notebook; its outputs so far are kept.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { format } from "node:util";
import { COMPARISON_MIME, type Comparison } from "../notebook/display";
import { STATUS_MIME, type NotebookStatus } from "../notebook/status";
import { codeFrame, sourceLocation } from "./source-line";
import { projectRoot } from "../core/project";
import { cellSource, splitLines, type CodeCell, type Notebook, type Output } from "./notebook";

interface TslabDiagnostic {
  start: { line: number; character: number };
  messageText: string;
  fileName?: string;
}
interface TslabConverter {
  convert(prevDecl: string, src: string): { output?: string; diagnostics: TslabDiagnostic[] };
  close(): void;
}
interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  close(): void;
}
interface DisplayData {
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface CellFailure {
  /** 1-based index among all cells of the executed notebook. */
  cell: number;
  /** 1-based line in the cell (or in `file` when the error is inside an imported module). */
  line?: number;
  /** A module other than the cell where the error was found, e.g. `src/io/raster.ts`. */
  file?: string;
  /** 1-based line in `file` for a runtime error raised inside that module (the cell line stays in `line`). */
  fileLine?: number;
  kind: "typescript" | "runtime";
  message: string;
}

export interface ExecutionResult {
  notebook: Notebook;
  ok: boolean;
  failure?: CellFailure;
  durationMs: number;
  cellDurationsMs: number[];
  comparisons: Comparison[];
  /** Origin, skip and warning statements the notebook displayed (src/notebook/status.ts). */
  statuses: NotebookStatus[];
}

export interface ExecuteOptions {
  /** Mirror cell output to this stream as it is produced (progress of long cells). */
  echo?: NodeJS.WritableStream;
  /** Label for echoed lines, e.g. the notebook name. */
  label?: string;
}

function tokens(line: string): string[] {
  return line.match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"[^"]*"|'[^']*'|`[^`]*`/g) ?? [];
}

/**
 * tslab wraps and transpiles a cell before running it, so runtime stack lines refer to generated
 * JavaScript. The cell line is recovered by matching the failing JavaScript line's tokens against the
 * cell's lines (types are erased, names and literals survive).
 */
export function mapGeneratedLine(cellSrc: string, generatedLine: string): number | undefined {
  const want = tokens(generatedLine);
  if (want.length === 0) return undefined;
  const wantSet = new Set(want);
  let best = 0;
  let bestLine: number | undefined;
  cellSrc.split("\n").forEach((l, i) => {
    const have = tokens(l);
    if (have.length === 0) return;
    const hit = have.filter((t) => wantSet.has(t)).length;
    const score = hit / Math.max(want.length, have.length);
    if (score > best) {
      best = score;
      bestLine = i + 1;
    }
  });
  return best >= 0.4 ? bestLine : undefined;
}

function errorParts(e: unknown): { ename: string; evalue: string; stack: string } {
  if (e instanceof Error) return { ename: e.name, evalue: e.message, stack: e.stack ?? `${e.name}: ${e.message}` };
  return { ename: "Error", evalue: String(e), stack: String(e) };
}

export async function executeNotebook(input: Notebook, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  const root = projectRoot();
  const req = createRequire(join(root, "package.json"));
  const conv = req("tslab/dist/converter") as { createConverter(o: { isJS?: boolean; isBrowser?: boolean }): TslabConverter };
  const exec = req("tslab/dist/executor") as {
    createExecutor(rootDir: string, convs: { node: TslabConverter; browser: TslabConverter; close(): void }, c: { log(...a: unknown[]): void; error(...a: unknown[]): void }): TslabExecutor;
  };
  const jupyter = req("tslab/dist/jupyter") as { lastWriteDisplayData: ((d: DisplayData, update: boolean) => void) | null };

  const nb: Notebook = JSON.parse(JSON.stringify(input)) as Notebook;
  const comparisons: Comparison[] = [];
  const statuses: NotebookStatus[] = [];
  const cellDurationsMs: number[] = [];
  const started = Date.now();

  // Bound now, before stdout/stderr are redirected into the cell, so echoing cannot feed itself.
  const echo = opts.echo ? opts.echo.write.bind(opts.echo) : undefined;
  let outputs: Output[] = [];
  let lastGenerated = "";
  let diagnostics: TslabDiagnostic[] = [];
  let runtimeError: unknown;

  const appendStream = (name: "stdout" | "stderr", text: string): void => {
    if (!text) return;
    const last = outputs[outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) {
      last.text = (Array.isArray(last.text) ? last.text.join("") : last.text) + text;
    } else {
      outputs.push({ output_type: "stream", name, text });
    }
    if (echo) {
      const prefix = opts.label ? `  [${opts.label}] ` : "  ";
      echo(text.replace(/\r/g, "\n").split("\n").filter((l) => l.trim()).map((l) => prefix + l + "\n").join(""));
    }
  };

  const wrap = (c: TslabConverter): TslabConverter => ({
    convert(prev, src) {
      const r = c.convert(prev, src);
      diagnostics = r.diagnostics;
      lastGenerated = r.output ?? "";
      return r;
    },
    close: () => c.close(),
  });
  const node = wrap(conv.createConverter({ isJS: false, isBrowser: false }));
  const browser = wrap(conv.createConverter({ isJS: false, isBrowser: true }));
  const executor = exec.createExecutor(
    root,
    { node, browser, close: () => undefined },
    {
      log: (...a: unknown[]) => appendStream("stdout", format(...a) + "\n"),
      error: (...a: unknown[]) => {
        const err = a.find((x) => x instanceof Error);
        if (err) runtimeError = err;
        else if (a.length > 1 && typeof a[0] === "string" && a[0].includes("%d:%d")) return; // diagnostics, reported below
        appendStream("stderr", format(...a) + "\n");
      },
    },
  );

  const realStdout = process.stdout.write.bind(process.stdout);
  const realStderr = process.stderr.write.bind(process.stderr);
  const capture = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown): boolean => {
      appendStream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = typeof encOrCb === "function" ? encOrCb : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    }) as typeof process.stdout.write;

  let failure: CellFailure | undefined;
  let count = 0;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (cell.cell_type !== "code") continue;
      const code = cell as CodeCell;
      const src = cellSource(code);
      outputs = [];
      diagnostics = [];
      runtimeError = undefined;
      code.execution_count = ++count;
      jupyter.lastWriteDisplayData = (d) => {
        outputs.push({ output_type: "display_data", data: d.data, metadata: d.metadata ?? {} });
        const c = d.data[COMPARISON_MIME];
        if (c) comparisons.push(c as Comparison);
        const st = d.data[STATUS_MIME];
        if (st) statuses.push(st as NotebookStatus);
      };
      process.stdout.write = capture("stdout");
      process.stderr.write = capture("stderr");
      const t0 = Date.now();
      let ok: boolean;
      try {
        ok = await executor.execute(src);
      } catch (e) {
        runtimeError = e;
        ok = false;
      } finally {
        process.stdout.write = realStdout;
        process.stderr.write = realStderr;
      }
      cellDurationsMs.push(Date.now() - t0);
      if (!ok) {
        if (diagnostics.length) {
          const d = diagnostics[0];
          const inModule = Boolean(d.fileName);
          failure = {
            cell: i + 1,
            line: d.start.line + 1,
            file: inModule ? d.fileName : undefined,
            kind: "typescript",
            message: diagnostics.map((x) => `${x.fileName ? x.fileName + ":" : ""}${x.start.line + 1}:${x.start.character + 1} ${x.messageText}`).join("\n"),
          };
          outputs.push({
            output_type: "error",
            ename: "TypeScriptError",
            evalue: failure.message,
            traceback: failure.message.split("\n"),
          });
        } else {
          const { ename, evalue, stack } = errorParts(runtimeError ?? new Error("cell failed"));
          const m = /evalmachine\.<anonymous>:(\d+)/.exec(stack);
          const genLine = m ? lastGenerated.split("\n")[Number(m[1]) - 1] : undefined;
          const srcFrame = /\((\/[^():]+\.(?:ts|js)):(\d+):\d+\)/.exec(stack);
          const inSrc = srcFrame && srcFrame[1].startsWith(root) && !srcFrame[1].includes("node_modules") && !stack.split("\n")[1]?.includes("evalmachine");
          const frame = codeFrame(stack);
          const text = frame && srcFrame && frame.file === srcFrame[1] && frame.line === Number(srcFrame[2]) ? frame.text : undefined;
          const at = inSrc ? sourceLocation(root, srcFrame[1].slice(root.length + 1), Number(srcFrame[2]), text) : undefined;
          failure = {
            cell: i + 1,
            line: genLine !== undefined ? mapGeneratedLine(src, genLine) : undefined,
            file: at?.file,
            fileLine: at?.line,
            kind: "runtime",
            message: `${ename}: ${evalue}`,
          };
          outputs.push({ output_type: "error", ename, evalue, traceback: stack.split("\n") });
        }
      }
      code.outputs = outputs.map((o) =>
        o.output_type === "stream" ? { ...o, text: splitLines(Array.isArray(o.text) ? o.text.join("") : o.text) } : o,
      );
      if (!ok) {
        // A notebook that said it cannot run here (skipNotebook) stopped on purpose: not a failure.
        if (statuses.some((st) => st.kind === "skipped")) {
          failure = undefined;
          code.outputs = code.outputs.filter((o) => o.output_type !== "error");
        }
        break;
      }
    }
  } finally {
    jupyter.lastWriteDisplayData = null;
    executor.close();
    node.close();
    browser.close();
  }
  return {
    notebook: nb,
    ok: failure === undefined,
    failure,
    durationMs: Date.now() - started,
    cellDurationsMs,
    comparisons,
    statuses,
  };
}
