/**
 * Where a runtime error in a library module really is. tslab compiles `src/**.ts` to CommonJS on the fly
 * and Node reports the compiled `.js` path and line, which a reader cannot open. The compiled line's text
 * (from Node's code frame in the stack, or by compiling the module again) is found in the `.ts` source;
 * when that text is not unique the nearest candidate to the compiled line number wins.
 */
import { existsSync, readFileSync } from "node:fs";
import ts from "typescript";

function norm(s: string): string {
  return s.trim().replace(/\s+/g, " ").replace(/;$/, "");
}

/** `src/x.js`, line in the compiled output → `src/x.ts` and the 1-based line in it (or the input unchanged). */
export function sourceLocation(root: string, rel: string, jsLine: number, jsText?: string): { file: string; line: number } {
  const tsRel = rel.replace(/\.js$/, ".ts");
  const tsPath = `${root}/${tsRel}`;
  if (!rel.endsWith(".js") || !existsSync(tsPath)) return { file: rel, line: jsLine };
  const source = readFileSync(tsPath, "utf8");
  // Node's code frame (the compiled line's text) when the stack carries one; else recompile.
  const js = jsText === undefined ? ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText.split("\n") : [];
  const want = norm(jsText ?? js[jsLine - 1] ?? "");
  if (!want) return { file: tsRel, line: jsLine };
  const lines = source.split("\n");
  const hits: number[] = [];
  lines.forEach((l, i) => {
    if (norm(l) === want || (want.length > 12 && norm(l).includes(want))) hits.push(i + 1);
  });
  if (!hits.length) return { file: tsRel, line: jsLine };
  hits.sort((a, b) => Math.abs(a - jsLine) - Math.abs(b - jsLine));
  return { file: tsRel, line: hits[0] };
}

/** Node's code frame at the top of a stack: `/path/x.js:25` then the source line. */
export function codeFrame(stack: string): { file: string; line: number; text: string } | undefined {
  const m = /^(\/[^\n:]+\.js):(\d+)\n([^\n]*)\n/.exec(stack);
  return m ? { file: m[1], line: Number(m[2]), text: m[3] } : undefined;
}
