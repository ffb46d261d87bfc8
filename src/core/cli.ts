/**
 * One command-line convention for every `npm run <tool>`: arguments parsed by node:util `parseArgs`
 * (strict: an unknown option is an error), `--help` printed from the same option table that parses,
 * and one exit code per kind of failure — 0 done, 1 the work failed (bad input file, numerical failure),
 * 2 the command line was wrong. Errors print as one line `<tool>: <message>`, never a stack trace,
 * unless DLAB_DEBUG=1.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Placeholder in help, e.g. "DIR". */
  value?: string;
  description: string;
  default?: string | boolean;
  /** How help shows the default when it is not a plain value (e.g. "reports/, or DLAB_REPORTS_DIR"). */
  defaultText?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

type Parsed<T extends OptionTable> = {
  [K in keyof T]: T[K]["type"] extends "boolean"
    ? boolean
    : T[K]["multiple"] extends true
      ? string[]
      : string | undefined;
};

export interface ParsedCommand<T extends OptionTable> {
  options: Parsed<T>;
  positionals: string[];
}

/** Parse `argv` against `table`; throws UsageError (with the offending option) on anything unknown. */
export function parseCommand<T extends OptionTable>(argv: readonly string[], table: T, allowPositionals = false): ParsedCommand<T> {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(table)) config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: [...argv], options: config, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const options: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(table)) {
    const v = r.values[name];
    options[name] = v ?? (o.type === "boolean" ? (o.default ?? false) : o.multiple ? [] : o.default);
  }
  return { options: options as Parsed<T>, positionals: r.positionals };
}

/** The options part of `--help`, aligned, from the same table that parses. */
export function optionHelp(table: OptionTable): string {
  const left = Object.entries(table).map(([name, o]) => `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`);
  const w = Math.max(...left.map((l) => l.length)) + 2;
  return Object.values(table)
    .map((o, i) => `  ${left[i].padEnd(w)}${o.description}${o.defaultText ?? (o.default !== undefined && o.default !== false) ? ` (default ${o.defaultText ?? String(o.default)})` : ""}${o.multiple ? " (repeatable)" : ""}`)
    .join("\n");
}

export function requireOption(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** Exit code of a failure under the convention above. */
export function exitCodeOf(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}

/**
 * Run a CLI's main and turn its failure into the convention's message and exit code. `main` returns
 * its own exit code (0, or 1 for a soft failure it already reported).
 */
export async function runCli(tool: string, main: () => Promise<number> | number): Promise<number> {
  try {
    return await main();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${tool}: ${msg}\n`);
    if (e instanceof UsageError) process.stderr.write(`run 'npm run ${tool} -- --help' for the options\n`);
    else if (process.env.DLAB_DEBUG === "1" && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
    return exitCodeOf(e);
  }
}
