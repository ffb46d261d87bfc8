/**
 * Fetches a dataset described by a manifest into `<data dir>/<id>/`: each file is resolved by SHA-256
 * from the mirrors first, then downloaded (resumable, retried, verified; see download.ts), and
 * archives are unpacked safely. What was fetched is recorded in `<id>/.dlab-state.json` (written
 * atomically after every file, so an interrupted run keeps its progress) and `verify` re-hashes
 * everything against the manifest. Search specifications are resolved once into `products.json`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { formatBytes, progress } from "../core/progress";
import { dataDir } from "../core/project";
import { extractArchive, type ExtractedFile } from "./archive";
import { ACCOUNT_INFO, hostMatches, redact, redactUrl, requireCredentials, type AccountInfo, type Credentials } from "./credentials";
import { ChecksumError, checkFile, downloadFile, hashFile, httpJson, type AuthHeaders, type Expected } from "./download";
import { isSafeRelativePath, type Manifest, type ManifestFile } from "./manifest";
import { findInMirrors, Mirror } from "./mirror";
import { resolveInside } from "./paths";
import { isQuiet } from "./quiet";
import { defaultEndpoints, searchProducts, type SearchEndpoints } from "./search";

export const STATE_FILE = ".dlab-state.json";
export const PRODUCTS_FILE = "products.json";

export interface FetchOptions {
  dataDir?: string;
  /** Mirror folders searched (in order) before the network. */
  mirrors?: string[];
  /** Never touch the network: files must come from a mirror or already be in place. */
  offline?: boolean;
  /** Re-run search specifications even when products.json pins a list. */
  refreshSearch?: boolean;
  retries?: number;
  backoffMs?: number;
  idleTimeoutMs?: number;
  quiet?: boolean;
  endpoints?: SearchEndpoints;
  /** Where messages go (default stderr). */
  log?: (line: string) => void;
}

export interface FileRecord {
  path: string;
  url: string;
  sha256: string;
  md5?: string;
  size: number;
  source: "mirror" | "network" | "present";
  /** Modification time when verified: a changed time makes the next fetch re-hash instead of trusting the record. */
  mtimeMs?: number;
  extracted?: (ExtractedFile & { mtimeMs?: number })[];
  /** The archive was deleted after unpacking (keepArchive: false). */
  archiveRemoved?: boolean;
}

export interface DatasetState {
  id: string;
  updated: string;
  files: Record<string, FileRecord>;
}

export interface FileOutcome {
  path: string;
  status: "fetched" | "mirrored" | "present" | "failed";
  bytes?: number;
  error?: string;
}

export interface FetchReport {
  id: string;
  dir: string;
  outcomes: FileOutcome[];
  warnings: string[];
}

/** `<data dir>/<id>`; an id that would resolve anywhere else (`..`, `/`) is refused. */
export function datasetDir(id: string, dir?: string): string {
  return resolveInside(dataDir(dir), id, "Dataset id");
}

/**
 * The pinned product list. People edit it (to prune a search), so its paths are checked like a
 * manifest's: a `../` path would otherwise write and report outside the dataset folder.
 */
export function readPinned(pinned: string): ManifestFile[] {
  let files: ManifestFile[];
  try {
    files = (JSON.parse(readFileSync(pinned, "utf8")) as { files: ManifestFile[] }).files;
  } catch (e) {
    throw new Error(`Product list ${pinned} is not valid JSON (${(e as Error).message}); fix it, or delete it to search again`);
  }
  if (!Array.isArray(files)) throw new Error(`Product list ${pinned} has no "files" list; fix it, or delete it to search again`);
  files.forEach((f: Partial<ManifestFile> | null, i) => {
    if (typeof f?.path !== "string") throw new Error(`Product list ${pinned}: files[${i}] needs a "path"`);
    const to = f.unpack?.to;
    for (const p of to === undefined || to === "." ? [f.path] : [f.path, to]) {
      if (!isSafeRelativePath(p)) {
        throw new Error(`Product list ${pinned}: files[${i}] path ${JSON.stringify(p)} leaves the dataset folder (relative, forward slashes, no '..')`);
      }
    }
  });
  return files;
}

function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + "\n");
  renameSync(tmp, file);
}

export function readState(dir: string, id: string): DatasetState {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return { id, updated: "", files: {} };
  try {
    return JSON.parse(readFileSync(file, "utf8")) as DatasetState;
  } catch (e) {
    throw new Error(`Dataset record ${file} is not valid JSON (${(e as Error).message}); delete it and fetch again`);
  }
}

interface Hashes {
  sha256: string;
  md5: string;
  size: number;
}

function expectedOf(f: ManifestFile): Expected {
  return { sha256: f.sha256, md5: f.md5, size: f.size };
}

// ------------------------------------------------------------------ credentials → headers

/** Request headers for an account: bearer tokens to the service's hosts, Basic only to its login host. */
export function authHeaders(creds: Credentials, token?: string, info: AccountInfo = ACCOUNT_INFO[creds.account]): AuthHeaders {
  const bearer = token ?? creds.token;
  return (url: URL) => {
    const host = url.hostname;
    if (bearer && hostMatches(host, info.tokenHosts) && url.protocol === "https:") return { authorization: `Bearer ${bearer}` };
    if (!bearer && creds.username && creds.password && host === info.loginHost && url.protocol === "https:") {
      return { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` };
    }
    return undefined;
  };
}

/** Exchanges CDSE username/password for an access token (OpenID Connect password grant). */
export async function cdseAccessToken(creds: Credentials, tokenUrl = process.env.DLAB_CDSE_TOKEN_URL ??
  "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token"): Promise<string> {
  if (creds.token) return creds.token;
  const body = new URLSearchParams({ grant_type: "password", client_id: "cdse-public", username: creds.username ?? "", password: creds.password ?? "" });
  let json: { access_token?: string };
  try {
    json = await httpJson<{ access_token?: string }>(tokenUrl, {
      method: "POST",
      body: body.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
  } catch (e) {
    throw new Error(`Copernicus Data Space login failed (credentials from ${creds.origin}): ${redact((e as Error).message)}`);
  }
  if (!json.access_token) throw new Error(`Copernicus Data Space login returned no access token (credentials from ${creds.origin})`);
  return json.access_token;
}

// ------------------------------------------------------------------ fetch

/** The manifest's fixed files plus the pinned (or freshly searched) products. */
export async function resolveFiles(m: Manifest, dir: string, opts: FetchOptions, warnings: string[]): Promise<ManifestFile[]> {
  const files = [...m.files];
  if (!m.search?.length) return files;
  const pinned = join(dir, PRODUCTS_FILE);
  if (existsSync(pinned) && !opts.refreshSearch) return [...files, ...readPinned(pinned)];
  if (opts.offline) {
    throw new Error(
      `Dataset ${m.id} is defined by a search (${m.search.map((s) => s.provider).join(", ")}) and has no pinned product list ` +
        `(${pinned}); run the fetch once with a network, or copy a products.json there`,
    );
  }
  const found: ManifestFile[] = [];
  const queries: string[] = [];
  for (const spec of m.search) {
    const r = await searchProducts(spec, opts.endpoints ?? defaultEndpoints(), { idleTimeoutMs: opts.idleTimeoutMs });
    found.push(...r.files);
    queries.push(r.query);
    if (r.warning) warnings.push(r.warning);
  }
  writeJsonAtomic(pinned, { id: m.id, searched: new Date().toISOString(), queries, files: found });
  return [...files, ...found];
}

async function placeFromMirror(src: string, dest: string, f: ManifestFile, label: string, source: string): Promise<Hashes> {
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, part);
  try {
    const h = await checkFile(part, expectedOf(f), label, source);
    renameSync(part, dest);
    return h;
  } catch (e) {
    rmSync(part, { force: true });
    throw e;
  }
}

function recordedOk(rec: FileRecord | undefined, f: ManifestFile, dest: string): boolean {
  if (!rec) return false;
  if (f.sha256 && rec.sha256 !== f.sha256) return false;
  if (f.md5 && rec.md5 && rec.md5 !== f.md5) return false;
  // The archive itself is gone by design; extractedPresent() checks what it unpacked.
  if (rec.archiveRemoved) return true;
  if (!existsSync(dest)) return false;
  const st = statSync(dest);
  return st.size === rec.size && (rec.mtimeMs === undefined || st.mtimeMs === rec.mtimeMs);
}

export const LOCK_FILE = ".dlab-fetch.lock";
/** Files at least this big get their own progress bar with bytes and rate. */
const BIG_FILE = 8 * 1024 * 1024;

/**
 * One fetch per dataset at a time (a notebook and a terminal may both start one): two writers would
 * append to the same `.part` files. A lock left by a process that no longer runs is taken over.
 */
export function lockDataset(dir: string, id: string): () => void {
  const lock = join(dir, LOCK_FILE);
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8").trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (err) {
          alive = (err as NodeJS.ErrnoException).code === "EPERM";
        }
      }
      if (alive) throw new Error(`Another fetch of ${id} is running (process ${pid}); wait for it, or delete ${lock} if it is gone`);
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`Cannot lock ${lock}`);
}

export async function fetchDataset(m: Manifest, opts: FetchOptions = {}): Promise<FetchReport> {
  const dir = datasetDir(m.id, opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataset(dir, m.id);
  try {
    return await fetchLocked(m, dir, opts);
  } finally {
    unlock();
  }
}

async function fetchLocked(m: Manifest, dir: string, opts: FetchOptions): Promise<FetchReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const warnings: string[] = [];
  const mirrors = (opts.mirrors ?? []).map((d) => new Mirror(d));
  const files = await resolveFiles(m, dir, opts, warnings);
  for (const w of warnings) log(`warning: ${w}`);
  const state = readState(dir, m.id);
  const outcomes: FileOutcome[] = [];
  let auth: AuthHeaders | undefined;
  let authAt = 0;
  const getAuth = async (): Promise<AuthHeaders | undefined> => {
    if (!m.account) return undefined;
    // CDSE access tokens live 10 minutes: take a fresh one for each file started after 5.
    if (!auth || (m.account === "cdse" && Date.now() - authAt > 5 * 60_000)) {
      const creds = requireCredentials(m.account, m.id);
      auth = authHeaders(creds, m.account === "cdse" ? await cdseAccessToken(creds) : undefined);
      authAt = Date.now();
    }
    return auth;
  };

  // One line for the dataset; a per-file bar only for big files, so 150 small files do not print 300 lines.
  const bar = progress(`fetch ${m.id}`, files.length, { unit: "files", quiet: isQuiet(opts.quiet) });
  for (const f of files) {
    bar.tick();
    const label = `${m.id}/${f.path}`;
    const rec = state.files[f.path];
    try {
      // Manifests and products.json are validated when read; this also covers manifests built in code.
      const dest = resolveInside(dir, f.path, `${label}: path`);
      if (recordedOk(rec, f, dest) && extractedPresent(rec, dir, f)) {
        outcomes.push({ path: f.path, status: "present", bytes: rec.size });
        continue;
      }
      let source: FileRecord["source"];
      // Every branch ends with the file's hashes in hand, so a multi-GB product is read once, not twice.
      let h: Hashes;
      const already = existsSync(dest) ? await hashFile(dest) : undefined;
      if (already && (f.sha256 ? already.sha256 === f.sha256 : f.md5 === already.md5) && (f.size === undefined || already.size === f.size)) {
        source = "present";
        h = already;
      } else {
        const inMirror = await findInMirrors(mirrors, { sha256: f.sha256, md5: f.md5, size: f.size });
        if (inMirror) {
          h = await placeFromMirror(inMirror.hit.file, dest, f, label, inMirror.mirror.describe(inMirror.hit.file));
          source = "mirror";
        } else if (f.derived) {
          throw new Error(
            `${label} is derived from ${redactUrl(f.url)} (${f.derived}), so only a mirror has these bytes ` +
              `(sha256 ${f.sha256}); none was found${mirrors.length ? " in " + mirrors.map((x) => x.dir).join(", ") : " (no --mirror given)"}`,
          );
        } else if (opts.offline) {
          throw new Error(
            `${label} (sha256 ${f.sha256 ?? "unknown"}) is not in ${mirrors.length ? "the mirror(s) " + mirrors.map((x) => x.dir).join(", ") : "any mirror (none given)"} and --offline forbids the network`,
          );
        } else {
          checkFreeSpace(dir, f, label);
          const r = await downloadFile(f.url, dest, {
            expected: expectedOf(f),
            label,
            retries: opts.retries,
            backoffMs: opts.backoffMs,
            idleTimeoutMs: opts.idleTimeoutMs,
            quiet: isQuiet(opts.quiet) || (f.size !== undefined && f.size < BIG_FILE),
            log: opts.quiet ? undefined : log,
            auth: await getAuth(),
          });
          h = { sha256: r.sha256, md5: r.md5, size: r.bytes };
          source = "network";
        }
      }
      const bytes = h.size;
      const record: FileRecord = { path: f.path, url: f.url, sha256: h.sha256, md5: h.md5, size: h.size, source, mtimeMs: statSync(dest).mtimeMs };
      if (f.unpack) {
        const target = f.unpack.to && f.unpack.to !== "." ? resolveInside(dir, f.unpack.to, `${label}: unpack.to`) : dir;
        const reserved = reservedWithin([...files.map((x) => x.path), PRODUCTS_FILE], f.unpack.to);
        record.extracted = await extractArchive(dest, f.unpack.format, target, { strip: f.unpack.strip, include: f.unpack.include, reserved });
        if (f.unpack.to && f.unpack.to !== ".") record.extracted = record.extracted.map((x) => ({ ...x, path: `${f.unpack!.to}/${x.path}` }));
        record.extracted = record.extracted.map((x) => ({ ...x, mtimeMs: statSync(join(dir, x.path)).mtimeMs }));
        if (f.unpack.keepArchive === false) {
          rmSync(dest, { force: true });
          record.archiveRemoved = true;
        }
      }
      state.files[f.path] = record;
      state.updated = new Date().toISOString();
      writeJsonAtomic(join(dir, STATE_FILE), state);
      outcomes.push({ path: f.path, status: source === "mirror" ? "mirrored" : source === "network" ? "fetched" : "present", bytes });
    } catch (e) {
      outcomes.push({ path: f.path, status: "failed", error: redact((e as Error).message) });
    }
  }
  bar.done();
  return { id: m.id, dir, outcomes, warnings };
}

/**
 * The dataset paths that lie under an archive's target folder `to`, relative to it: an entry landing
 * on one would replace a file the manifest (or products.json) vouches for with unverified bytes.
 */
export function reservedWithin(paths: string[], to: string | undefined): string[] {
  const prefix = to && to !== "." ? `${to.replace(/\/+$/, "")}/` : "";
  return paths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
}

/** Refuses to start a download that cannot fit (the size and a 2 % margin; unpacking needs more). */
function checkFreeSpace(dir: string, f: ManifestFile, label: string): void {
  if (f.size === undefined) return;
  let free: number;
  try {
    const st = statfsSync(dir);
    free = st.bavail * st.bsize;
  } catch {
    return;
  }
  const part = existsSync(join(dir, `${f.path}.part`)) ? statSync(join(dir, `${f.path}.part`)).size : 0;
  const need = (f.size - part) * 1.02;
  if (need > free) {
    throw new Error(`${label} needs ${formatBytes(need)} but only ${formatBytes(free)} is free on ${dir} (set --data-dir or DLAB_DATA_DIR to a larger disk)`);
  }
}

function extractedPresent(rec: FileRecord | undefined, dir: string, f: ManifestFile): boolean {
  if (!f.unpack) return true;
  if (!rec?.extracted) return false;
  return rec.extracted.every((x) => {
    const p = join(dir, x.path);
    if (!existsSync(p)) return false;
    const st = statSync(p);
    return st.size === x.size && (x.mtimeMs === undefined || st.mtimeMs === x.mtimeMs);
  });
}

// ------------------------------------------------------------------ verify

export interface VerifyProblem {
  path: string;
  problem: string;
}

export interface VerifyReport {
  id: string;
  dir: string;
  checked: number;
  problems: VerifyProblem[];
}

/** Re-hashes every file of the dataset (and every unpacked entry) against the manifest and record. */
export async function verifyDataset(m: Manifest, opts: { dataDir?: string; quiet?: boolean } = {}): Promise<VerifyReport> {
  const dir = datasetDir(m.id, opts.dataDir);
  const problems: VerifyProblem[] = [];
  let checked = 0;
  if (!existsSync(dir)) {
    return { id: m.id, dir, checked, problems: [{ path: ".", problem: `not fetched (run: npm run data -- fetch ${m.id})` }] };
  }
  const state = readState(dir, m.id);
  let files = [...m.files];
  if (m.search?.length) {
    const pinned = join(dir, PRODUCTS_FILE);
    if (existsSync(pinned)) files = files.concat(readPinned(pinned));
    else problems.push({ path: PRODUCTS_FILE, problem: "no product list yet (the search has not run)" });
  }
  const bar = progress(`verify ${m.id}`, files.length, { unit: "files", quiet: isQuiet(opts.quiet) });
  for (const f of files) {
    bar.tick();
    const dest = join(dir, f.path);
    const rec = state.files[f.path];
    if (rec?.archiveRemoved) {
      // Only the unpacked entries remain; they are checked below.
    } else if (!existsSync(dest)) {
      problems.push({ path: f.path, problem: "missing" });
      continue;
    } else {
      checked++;
      try {
        await checkFile(dest, expectedOf(f), `${m.id}/${f.path}`, dest);
      } catch (e) {
        problems.push({ path: f.path, problem: (e as Error).message });
        continue;
      }
    }
    if (f.unpack) {
      if (!rec?.extracted) {
        problems.push({ path: f.path, problem: "archive not unpacked (run fetch again)" });
        continue;
      }
      for (const x of rec.extracted) {
        const p = join(dir, x.path);
        checked++;
        if (!existsSync(p)) problems.push({ path: x.path, problem: `missing (unpacked from ${f.path})` });
        else {
          const h = await hashFile(p);
          if (h.sha256 !== x.sha256) problems.push({ path: x.path, problem: `sha256 mismatch: expected ${x.sha256}, actual ${h.sha256} (unpacked from ${f.path})` });
        }
      }
    }
  }
  bar.done();
  return { id: m.id, dir, checked, problems };
}

export { ChecksumError, redactUrl };
