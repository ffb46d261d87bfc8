/**
 * The whole SBAS chain on a stack in memory (notebooks, tests): the same named steps as
 * `npm run sbas` (src/sbas/run.ts), handing their products over in memory, and, with `out`, also
 * writing every product and the exports into that folder.
 */
import { collectResult, type SbasResult } from "./result";
import { SbasRun } from "./run";
import type { SbasParams } from "./params";
import type { IfgramStack } from "./types";

export type { SbasResult } from "./result";
export { parseReference } from "./reference";

export async function runSbas(stack: IfgramStack, params: SbasParams, opts: { quiet?: boolean; out?: string } = {}): Promise<SbasResult> {
  const run = new SbasRun({ params, stack, dir: opts.out, quiet: opts.quiet ?? true, force: true });
  await run.run();
  return collectResult(run);
}
