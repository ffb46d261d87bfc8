/**
 * Data manifests: every dataset the project can fetch, described in `data-manifests/<id>.json` and
 * validated here by hand against the rules of `data-manifests/schema.json` (the JSON Schema is for
 * editors and for people; this module is what the fetcher trusts). Errors name the manifest file and
 * the JSON path of every problem at once, so one run shows everything to fix.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../core/project";
import { checkDatasetId } from "./paths";

/** Accounts whose credentials some datasets need (read from the environment or ~/.netrc). */
export type Account = "cdse" | "earthdata";
export const ACCOUNTS: readonly Account[] = ["cdse", "earthdata"];

export type ArchiveFormat = "zip" | "tar.gz" | "tar";
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ["zip", "tar.gz", "tar"];

/** How a downloaded archive is unpacked inside the dataset folder. */
export interface UnpackRule {
  format: ArchiveFormat;
  /** Folder (relative to the dataset folder) the entries land in; default: the dataset folder. */
  to?: string;
  /** Leading path components dropped from every entry (like `tar --strip-components`). */
  strip?: number;
  /** Only entries matching one of these globs (`*` within a name, `**` across folders). */
  include?: string[];
  /** Keep the archive after unpacking (default true, so `verify` can re-hash it). */
  keepArchive?: boolean;
}

export interface ManifestFile {
  /** Where the file lands, relative to `<data dir>/<id>/`; forward slashes, no `..`. */
  path: string;
  url: string;
  /** Lower-case hex SHA-256 of the file's bytes (required for fixed files). */
  sha256?: string;
  /** MD5, only for products resolved by a search whose API publishes nothing stronger. */
  md5?: string;
  /** Size in bytes. */
  size?: number;
  unpack?: UnpackRule;
  /**
   * Set when the file is a reformatting of the public original at `url` (so the url's bytes differ):
   * says how it was derived; such a file comes only from a mirror.
   */
  derived?: string;
  note?: string;
}

export type SearchProvider = "asf" | "cdse" | "zenodo";
export const SEARCH_PROVIDERS: readonly SearchProvider[] = ["asf", "cdse", "zenodo"];

/**
 * Files whose exact product names are not known in advance: the fetcher turns this into a product
 * list through the provider's public search API (ASF search, CDSE OData, Zenodo records) and pins the
 * result in the dataset folder.
 */
export interface SearchSpec {
  provider: SearchProvider;
  /** Folder (relative to the dataset folder) the products land in. */
  path: string;
  /** ASF `platform`/`dataset` (e.g. "SENTINEL-1", "ALOS") or CDSE collection (e.g. "SENTINEL-2"). */
  collection?: string;
  /** ASF `processingLevel` (SLC, RTC_HI_RES) or CDSE `productType` (S2MSI1C). */
  productType?: string;
  beamMode?: string;
  polarization?: string;
  relativeOrbit?: number;
  flightDirection?: "ASCENDING" | "DESCENDING";
  /** [west, south, east, north] in degrees (WGS-84). */
  bbox?: [number, number, number, number];
  /** Inclusive ISO dates (YYYY-MM-DD). */
  start?: string;
  end?: string;
  /** Zenodo record id. */
  record?: string;
  /** Keep only products whose file name matches one of these globs. */
  include?: string[];
  /** How many products the paper used; a different count is reported so the user can pin the list. */
  expectedCount?: number;
  unpack?: UnpackRule;
  note?: string;
}

export interface Manifest {
  id: string;
  title: string;
  description: string;
  licence: string;
  citation: string;
  homepage?: string;
  /** The account downloads need; credentials come from the environment or ~/.netrc. */
  account?: Account;
  files: ManifestFile[];
  search?: SearchSpec[];
  notes?: string;
}

export class ManifestError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid data manifest ${source}:\n  - ${problems.join("\n  - ")}`);
    this.name = "ManifestError";
  }
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const MD5_RE = /^[0-9a-f]{32}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Names a manifest may not take: `samples/` holds the simulated datasets beside the fetched ones. */
const RESERVED_IDS = new Set(["samples"]);

/** A relative, forward-slash path that stays inside its folder (no `..`, no absolute, no `\`). */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith("/") || p.includes("\\") || /^[A-Za-z]:/.test(p)) return false;
  if (p.includes("\0")) return false;
  return p.split("/").every((part) => part !== ".." && part !== "");
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];
  add(path: string, msg: string): void {
    this.problems.push(`${path}: ${msg}`);
  }
  str(o: Record<string, Json>, key: string, path: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined) {
      if (required) this.add(`${path}.${key}`, "is required");
      return undefined;
    }
    if (typeof v !== "string" || (required && v.trim() === "")) {
      this.add(`${path}.${key}`, `must be a non-empty string, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  int(o: Record<string, Json>, key: string, path: string, min: number): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      this.add(`${path}.${key}`, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }
  strList(o: Record<string, Json>, key: string, path: string): string[] | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string" && x.length > 0)) {
      this.add(`${path}.${key}`, "must be a non-empty list of strings");
      return undefined;
    }
    return v as string[];
  }
  unknownKeys(o: Record<string, Json>, allowed: string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (k === "$schema" && path === "$") continue;
      if (!allowed.includes(k)) this.add(`${path}.${k}`, `unknown property (allowed: ${allowed.join(", ")})`);
    }
  }
}

function checkUrl(c: Checker, url: string | undefined, path: string): void {
  if (url === undefined) return;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    c.add(path, `is not a valid URL: ${JSON.stringify(url)}`);
    return;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") c.add(path, `must be http(s), got ${u.protocol}`);
  // Credentials belong in the environment or ~/.netrc, never in a committed file.
  if (u.username || u.password) c.add(path, "must not contain credentials (use the environment or ~/.netrc)");
}

function checkUnpack(c: Checker, v: Json, path: string): UnpackRule | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) {
    c.add(path, "must be an object");
    return undefined;
  }
  c.unknownKeys(v, ["format", "to", "strip", "include", "keepArchive"], path);
  const format = v.format;
  if (!ARCHIVE_FORMATS.includes(format as ArchiveFormat)) {
    c.add(`${path}.format`, `must be one of ${ARCHIVE_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
  }
  const to = c.str(v, "to", path, false);
  if (to !== undefined && to !== "." && !isSafeRelativePath(to)) {
    c.add(`${path}.to`, `must be a relative path inside the dataset folder, got ${JSON.stringify(to)}`);
  }
  c.int(v, "strip", path, 0);
  c.strList(v, "include", path);
  if (v.keepArchive !== undefined && typeof v.keepArchive !== "boolean") c.add(`${path}.keepArchive`, "must be a boolean");
  return v as unknown as UnpackRule;
}

function checkFile(c: Checker, v: Json, path: string): void {
  if (!isObj(v)) {
    c.add(path, "must be an object");
    return;
  }
  c.unknownKeys(v, ["path", "url", "sha256", "md5", "size", "unpack", "derived", "note"], path);
  const p = c.str(v, "path", path, true);
  if (p !== undefined && !isSafeRelativePath(p)) {
    c.add(`${path}.path`, `must be a relative path inside the dataset folder, got ${JSON.stringify(p)}`);
  }
  checkUrl(c, c.str(v, "url", path, true), `${path}.url`);
  const sha = c.str(v, "sha256", path, true);
  if (sha !== undefined && !SHA256_RE.test(sha)) c.add(`${path}.sha256`, "must be 64 lower-case hex digits");
  const md5 = c.str(v, "md5", path, false);
  if (md5 !== undefined && !MD5_RE.test(md5)) c.add(`${path}.md5`, "must be 32 lower-case hex digits");
  if (v.size === undefined) c.add(`${path}.size`, "is required");
  else c.int(v, "size", path, 0);
  checkUnpack(c, v.unpack, `${path}.unpack`);
  c.str(v, "derived", path, false);
  c.str(v, "note", path, false);
}

function checkDate(c: Checker, v: string | undefined, path: string): void {
  if (v === undefined) return;
  if (!DATE_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) c.add(path, `must be a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
}

function checkSearch(c: Checker, v: Json, path: string): void {
  if (!isObj(v)) {
    c.add(path, "must be an object");
    return;
  }
  c.unknownKeys(
    v,
    ["provider", "path", "collection", "productType", "beamMode", "polarization", "relativeOrbit", "flightDirection",
      "bbox", "start", "end", "record", "include", "expectedCount", "unpack", "note"],
    path,
  );
  const provider = v.provider as SearchProvider;
  if (!SEARCH_PROVIDERS.includes(provider)) {
    c.add(`${path}.provider`, `must be one of ${SEARCH_PROVIDERS.join(", ")}, got ${JSON.stringify(v.provider)}`);
  }
  const p = c.str(v, "path", path, true);
  if (p !== undefined && p !== "." && !isSafeRelativePath(p)) c.add(`${path}.path`, `must be a relative folder, got ${JSON.stringify(p)}`);
  for (const k of ["collection", "productType", "beamMode", "polarization", "note"]) c.str(v, k, path, false);
  c.int(v, "relativeOrbit", path, 1);
  c.int(v, "expectedCount", path, 1);
  if (v.flightDirection !== undefined && v.flightDirection !== "ASCENDING" && v.flightDirection !== "DESCENDING") {
    c.add(`${path}.flightDirection`, "must be ASCENDING or DESCENDING");
  }
  if (v.bbox !== undefined) {
    const b = v.bbox;
    const ok =
      Array.isArray(b) && b.length === 4 && b.every((x) => typeof x === "number" && Number.isFinite(x)) &&
      (b[0] as number) < (b[2] as number) && (b[1] as number) < (b[3] as number) &&
      (b[0] as number) >= -180 && (b[2] as number) <= 180 && (b[1] as number) >= -90 && (b[3] as number) <= 90;
    if (!ok) c.add(`${path}.bbox`, `must be [west, south, east, north] in degrees with west < east and south < north, got ${JSON.stringify(b)}`);
  }
  const start = c.str(v, "start", path, false);
  const end = c.str(v, "end", path, false);
  checkDate(c, start, `${path}.start`);
  checkDate(c, end, `${path}.end`);
  if (start && end && start > end) c.add(`${path}`, `start ${start} is after end ${end}`);
  c.strList(v, "include", path);
  const record = c.str(v, "record", path, false);
  if (provider === "zenodo" && record === undefined) c.add(`${path}.record`, "is required for provider zenodo");
  if ((provider === "asf" || provider === "cdse") && (v.collection === undefined || v.bbox === undefined || start === undefined || end === undefined)) {
    c.add(path, `provider ${provider} needs collection, bbox, start and end`);
  }
  checkUnpack(c, v.unpack, `${path}.unpack`);
}

/** Validates parsed JSON as a manifest; throws a ManifestError listing every problem. */
export function validateManifest(value: unknown, source = "<manifest>"): Manifest {
  const c = new Checker();
  if (!isObj(value)) throw new ManifestError(source, ["$: must be a JSON object"]);
  c.unknownKeys(value, ["id", "title", "description", "licence", "citation", "homepage", "account", "files", "search", "notes"], "$");
  const id = c.str(value, "id", "$", true);
  if (id !== undefined && !ID_RE.test(id)) c.add("$.id", `must be letters, digits and dashes, got ${JSON.stringify(id)}`);
  if (id !== undefined && RESERVED_IDS.has(id)) c.add("$.id", `"${id}" is reserved`);
  for (const k of ["title", "description", "licence", "citation"]) c.str(value, k, "$", true);
  const homepage = c.str(value, "homepage", "$", false);
  checkUrl(c, homepage, "$.homepage");
  c.str(value, "notes", "$", false);
  if (value.account !== undefined && !ACCOUNTS.includes(value.account as Account)) {
    c.add("$.account", `must be one of ${ACCOUNTS.join(", ")}, got ${JSON.stringify(value.account)}`);
  }
  if (!Array.isArray(value.files)) c.add("$.files", "is required and must be a list");
  else value.files.forEach((f, i) => checkFile(c, f, `$.files[${i}]`));
  if (value.search !== undefined) {
    if (!Array.isArray(value.search) || value.search.length === 0) c.add("$.search", "must be a non-empty list");
    else value.search.forEach((s, i) => checkSearch(c, s, `$.search[${i}]`));
  }
  if (Array.isArray(value.files) && value.files.length === 0 && !Array.isArray(value.search)) {
    c.add("$", "needs at least one entry in files or search");
  }
  if (Array.isArray(value.files)) {
    const seen = new Set<string>();
    value.files.forEach((f, i) => {
      const p = isObj(f) ? f.path : undefined;
      if (typeof p !== "string") return;
      if (seen.has(p)) c.add(`$.files[${i}].path`, `duplicate path ${JSON.stringify(p)}`);
      seen.add(p);
    });
  }
  if (c.problems.length) throw new ManifestError(source, c.problems);
  return value as unknown as Manifest;
}

/** The folder holding the manifests: `DLAB_MANIFESTS_DIR` or `<root>/data-manifests`. */
export function manifestsDir(override?: string): string {
  return override ?? process.env.DLAB_MANIFESTS_DIR ?? join(projectRoot(), "data-manifests");
}

export function loadManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`Cannot read data manifest ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  const m = validateManifest(json, file);
  const base = file.replace(/^.*[\\/]/, "").replace(/\.json$/, "");
  if (base !== m.id) throw new ManifestError(file, [`$.id: "${m.id}" must match the file name "${base}.json"`]);
  return m;
}

/** Every manifest in the folder, sorted by id (schema.json is the schema, not a manifest). */
export function loadManifests(dir: string = manifestsDir()): Manifest[] {
  if (!existsSync(dir)) throw new Error(`No data-manifests folder at ${dir}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort()
    .map((f) => loadManifest(join(dir, f)));
}

export function findManifest(id: string, dir: string = manifestsDir()): Manifest {
  // Only a plain id: a path would load a manifest from anywhere and send its dataset anywhere.
  const file = join(dir, `${checkDatasetId(id, dir)}.json`);
  if (!existsSync(file)) {
    // File names, not parsed manifests: one broken manifest must not hide the real message.
    const known = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "schema.json").map((f) => f.slice(0, -5)).sort() : [];
    throw new Error(`Unknown dataset "${id}": no ${file}. Known datasets: ${known.join(", ") || "(none)"}`);
  }
  return loadManifest(file);
}
