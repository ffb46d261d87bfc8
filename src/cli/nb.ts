/**
 * `npm run nb -- from-percent <script.ts> <out.ipynb>` builds a notebook from a "percent" script;
 * `npm run nb -- strip <file.ipynb>...` clears outputs and counts, as notebooks are committed.
 */
import { readFileSync } from "node:fs";
import { runCli } from "../core/cli";
import { UsageError } from "../core/errors";
import { notebookFromPercent, readNotebook, stripOutputs, writeNotebook } from "../runner/notebook";

export function main(argv: string[]): Promise<number> {
  return runCli("nb", () => {
    const [cmd, ...rest] = argv;
    if (cmd === "from-percent" && rest.length === 2) {
      writeNotebook(rest[1], notebookFromPercent(readFileSync(rest[0], "utf8")));
      return 0;
    }
    if (cmd === "strip" && rest.length > 0) {
      for (const f of rest) writeNotebook(f, stripOutputs(readNotebook(f)));
      return 0;
    }
    throw new UsageError("usage: npm run nb -- from-percent <script.ts> <out.ipynb> | strip <file.ipynb>...");
  });
}
