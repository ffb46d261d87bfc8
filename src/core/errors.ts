/**
 * One error for "this file (or dataset inside it) is wrong": every reader and writer throws it so a
 * user always sees which file and what is wrong with it, and CLIs can tell bad input (exit 2) from bugs.
 * Subclasses exist only to keep `instanceof` checks readable where a caller treats one format apart.
 */
export class FileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = new.target.name;
  }
}

/** Bad command-line usage: CLIs print the message and their help hint, and exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A dataset the chosen data profile needs is not here (not fetched, not in the mirror, or not made for
 * this profile at all). Notebooks turn it into a *skipped* status; `command` says how to get it.
 */
export class MissingDataError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = "MissingDataError";
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
