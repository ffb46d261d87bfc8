/**
 * Whether the data commands print progress. `progress()` (src/progress.ts) lets an explicit
 * `quiet: false` override `DLAB_QUIET`, and the CLI always has a flag value to pass (the absence of
 * `--quiet` is `false`), so without this the variable would never silence a fetch. Both only add
 * silence: a caller's `false` never un-silences `DLAB_QUIET=1`.
 */
export function isQuiet(flag?: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return flag === true || env.DLAB_QUIET === "1";
}
