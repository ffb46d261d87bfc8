/**
 * `--param` values are checked against the algorithm areas' schemas before any notebook starts, so
 * `coherenceThreshold=-5` is refused in a second instead of "passing" with an empty figure. A notebook
 * parameter that is also a schema parameter of the notebook's area must satisfy that schema's type and
 * range; notebook-only parameters (profile, paths) are checked by the notebook itself.
 */
import { basename } from "node:path";
import { coerceParam, type ParamSchema, type ParamSpec } from "../core/params";
import { PS_SCHEMA } from "../ps/params";
import { SBAS_SCHEMA } from "../sbas/params";
import { SETTLEMENT_SCHEMA } from "../settlement/params";
import { SUBWAY_SCHEMA } from "../subway/params";

type AnySchema = ParamSchema<Record<string, unknown>>;

/** The schemas each notebook's parameters come from, by notebook file-name prefix. */
const as = (s: unknown): AnySchema => s as AnySchema;
const NOTEBOOK_SCHEMAS: readonly (readonly [string, readonly AnySchema[]])[] = [
  ["13-", [as(SBAS_SCHEMA)]],
  ["20-", [as(PS_SCHEMA)]],
  ["21-", [as(SUBWAY_SCHEMA)]],
  ["22-", [as(SUBWAY_SCHEMA), as(SETTLEMENT_SCHEMA)]],
];

export function schemasFor(notebook: string): readonly AnySchema[] {
  const name = basename(notebook);
  return NOTEBOOK_SCHEMAS.filter(([prefix]) => name.startsWith(prefix)).flatMap(([, s]) => s);
}

/** Throws a UsageError naming the parameter, the notebook and the allowed range for the first bad value. */
export function checkOverrides(notebooks: readonly string[], overrides: Readonly<Record<string, unknown>>): void {
  for (const nb of notebooks) {
    for (const schema of schemasFor(nb)) {
      for (const [name, value] of Object.entries(overrides)) {
        const spec = (schema as Record<string, ParamSpec<unknown> | undefined>)[name];
        if (!spec) continue;
        try {
          coerceParam(name, spec, value);
        } catch (e) {
          (e as Error).message = `${(e as Error).message} (${basename(nb)})`;
          throw e;
        }
      }
    }
  }
}
