/**
 * What a notebook's results rest on, and when it cannot or did not produce them. A report must never
 * say "ok" over an empty table, nor fail a whole run because the mirror lacks one dataset:
 * - `dataOrigin` states whether the notebook's inputs are real, simulated or mixed (the report's banner);
 * - `skipNotebook` ends the notebook with one clear cell saying what input it needs (status *skipped*);
 * - `stepWarning` marks a step that produced nothing or something suspect (status *warning*).
 * The runner reads these from the MIME bundles below.
 */
import { MissingDataError } from "../core/errors";
import { display, escapeHtml } from "./display";

export const STATUS_MIME = "application/vnd.dlab.status+json";

export type DataOrigin = "real" | "simulated" | "mixed";

export type NotebookStatus =
  | { kind: "origin"; origin: DataOrigin; detail: string }
  | { kind: "skipped"; reason: string }
  | { kind: "warning"; reason: string };

/** Thrown by `skipNotebook`; the runner stops the notebook and marks it skipped, not failed. */
export class NotebookSkipped extends Error {
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
    this.name = "NotebookSkipped";
  }
}

function send(s: NotebookStatus, html: string, plain: string): void {
  display({ [STATUS_MIME]: s, "text/html": html, "text/plain": plain });
}

export function dataOrigin(origin: DataOrigin, detail: string): void {
  const label = { real: "real data", simulated: "simulated data", mixed: "real and simulated data" }[origin];
  send(
    { kind: "origin", origin, detail },
    `<div class="dlab-origin origin-${origin}"><b>Data:</b> ${label} — ${escapeHtml(detail)}</div>`,
    `Data: ${label} — ${detail}`,
  );
}

/** Ends the notebook here: its inputs are not available in this profile. */
export function skipNotebook(reason: string): never {
  send({ kind: "skipped", reason }, `<div class="dlab-skip"><b>Skipped:</b> ${escapeHtml(reason)}</div>`, `Skipped: ${reason}`);
  throw new NotebookSkipped(reason);
}

/**
 * Awaits a profile's input; when the profile does not have it (MissingDataError), ends the notebook as
 * skipped with the reason and the command that would get it. Any other error (a corrupt file) still fails.
 */
export async function inputOrSkip<T>(input: Promise<T>): Promise<T> {
  try {
    return await input;
  } catch (e) {
    if (e instanceof MissingDataError) skipNotebook(`${e.message}${e.command ? ` (${e.command})` : ""}`);
    throw e;
  }
}

export function stepWarning(reason: string): void {
  send({ kind: "warning", reason }, `<div class="dlab-warning"><b>Warning:</b> ${escapeHtml(reason)}</div>`, `Warning: ${reason}`);
}

/** The origin a profile implies when a notebook does not state its own. */
export function profileOrigin(profile: string): DataOrigin {
  return profile === "sample" ? "simulated" : "real";
}
