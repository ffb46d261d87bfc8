/**
 * Dataset ids and paths that come from people (the command line, products.json, notebooks) and must
 * never reach outside the folders they name: `data fetch ../../elsewhere/manifest` once loaded a
 * manifest from anywhere, and `data path` then pointed outside the data folder.
 */
import { resolve, sep } from "node:path";

/** What a dataset id given on the command line or in code may look like: a plain file name, no folders. */
export const DATASET_ID_ARG = /^[a-z0-9][a-z0-9._-]*$/i;

export class PathOutsideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathOutsideError";
  }
}

/** Throws unless `id` is a plain dataset id; `manifests` is the folder it would be looked up in. */
export function checkDatasetId(id: string, manifests: string): string {
  if (DATASET_ID_ARG.test(id)) return id;
  throw new PathOutsideError(
    `${JSON.stringify(id)} is not a dataset id: ids are plain names (letters, digits, '.', '_', '-') of manifests in ${manifests}; ` +
      `for manifests in another folder pass --manifests DIR (or set DLAB_MANIFESTS_DIR)`,
  );
}

/**
 * `rel` resolved under `root`; throws naming both when it lands on `root` itself or anywhere outside
 * it. `what` says where `rel` came from, for the message.
 */
export function resolveInside(root: string, rel: string, what: string): string {
  const base = resolve(root);
  const abs = resolve(base, rel);
  if (abs.startsWith(base + sep)) return abs;
  throw new PathOutsideError(`${what} ${JSON.stringify(rel)} resolves to ${abs}, which is not inside ${base}; refusing to use it`);
}
