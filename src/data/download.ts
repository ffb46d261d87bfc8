/**
 * One verified download over HTTP(S): resumes a partial file with a Range request, retries transient
 * failures (connection drops, stalls, 5xx, 429) with exponential backoff, shows bytes and rate, and
 * checks size and hash before an atomic rename, so a file at its final name is always complete and
 * correct. A part file never grows past the expected size (a server that sends more is stopped), and
 * a disk that cannot take the file ends the download at once, named as the cause. Redirects are
 * followed by hand so that credentials reach only their own service's hosts.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { dirname } from "node:path";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { progress } from "../core/progress";
import type { Socket } from "node:net";
import { redact, redactUrl } from "./credentials";
import { proxyAuthorization, proxyFor, tunnelTls } from "./proxy";
import { byteLimit, describeWriteError, DiskWriteError, errnoCode, freeBytes, isFatalWriteError, writeErrorAdvice, type ByteLimit } from "./disk";
import { isQuiet } from "./quiet";

export interface Expected {
  sha256?: string;
  md5?: string;
  size?: number;
}

/** Extra headers for a request to `url` (credentials), or none. */
export type AuthHeaders = (url: URL) => Record<string, string> | undefined;

export interface HttpOptions {
  auth?: AuthHeaders;
  headers?: Record<string, string>;
  /** Abort when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  cookies?: CookieJar;
  /** Extra trusted CA certificates (PEM) for HTTPS; users behind TLS-inspecting proxies set NODE_EXTRA_CA_CERTS instead. */
  ca?: string;
}

export interface DownloadOptions extends HttpOptions {
  expected: Expected;
  /** What the messages call the file (its dataset path), default the destination. */
  label?: string;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff delay; doubles each retry up to `maxBackoffMs` (defaults 1 s and 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Silences the progress bar (and, without `log`, the retry messages). */
  quiet?: boolean;
  /** Where retry messages go (they are worth seeing even when the bar is silenced). */
  log?: (line: string) => void;
  /**
   * Cap for a file whose size is not known (default: the free disk space less a reserve). A file
   * with an expected size is always capped at that size.
   */
  maxBytes?: number;
  /** Opens the part file for writing (`a` to resume); tests replace it to inject disk errors. */
  openPart?: (path: string, flags: "w" | "a") => Writable;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  md5: string;
  attempts: number;
  resumed: boolean;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** No byte arrived for the idle timeout: transient (retried, resumed), and named as such. */
export class StallError extends Error {
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
    this.name = "StallError";
  }
}

/** The server sent, or announced, more bytes than the file may have: not transient, never retried. */
export class OversizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OversizeError";
  }
}

/** "60", "0.3": the stall timeout as people set it, without a trailing ".0". */
export function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

export class ChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly algorithm: "sha256" | "md5" | "size",
    readonly expected: string,
    readonly actual: string,
    source: string,
  ) {
    super(
      algorithm === "size"
        ? `Size mismatch for ${file}: expected ${expected} bytes, got ${actual} bytes (from ${source})`
        : `${algorithm} mismatch for ${file}: expected ${expected}, actual ${actual} (from ${source}); nothing was written in its place`,
    );
    this.name = "ChecksumError";
  }
}

/** Cookies across the redirects of one download (Earthdata login sets a session cookie). */
export class CookieJar {
  private readonly cookies: { domain: string; name: string; value: string }[] = [];
  store(url: URL, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const dom = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("domain="));
      const domain = dom ? "." + dom.slice(7).replace(/^\./, "").toLowerCase() : url.hostname;
      // A host may set cookies for itself and its parent domains only, never for another site.
      if (domain.startsWith(".") && url.hostname !== domain.slice(1) && !url.hostname.endsWith(domain)) continue;
      const i = this.cookies.findIndex((c) => c.domain === domain && c.name === name);
      if (i >= 0) this.cookies.splice(i, 1);
      this.cookies.push({ domain, name, value });
    }
  }
  header(url: URL): string | undefined {
    const h = url.hostname;
    const matching = this.cookies.filter((c) => (c.domain.startsWith(".") ? h === c.domain.slice(1) || h.endsWith(c.domain) : h === c.domain));
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describeStatus(status: number, url: string): string {
  return `HTTP ${status} ${http.STATUS_CODES[status] ?? ""} for ${redactUrl(url)}`.replace(/\s+for/, " for");
}

function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const secs = Number(s);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/**
 * GET (or another method) following redirects; resolves with the final response whose status is
 * 2xx or 416, and rejects with an HttpError otherwise (the body is drained).
 */
export async function httpRequest(
  url: string,
  opts: HttpOptions & { method?: string; body?: string; rangeStart?: number } = {},
): Promise<{ res: http.IncomingMessage; url: string }> {
  const jar = opts.cookies ?? new CookieJar();
  let current = url;
  let method = opts.method ?? "GET";
  let body = opts.body;
  const extra: Record<string, string> = { ...(opts.headers ?? {}) };
  const maxRedirects = opts.maxRedirects ?? 10;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const u = new URL(current);
    const headers: Record<string, string> = { "user-agent": "deformation-lab-data/0.1", ...extra };
    const auth = opts.auth?.(u);
    if (auth) Object.assign(headers, auth);
    const cookie = jar.header(u);
    if (cookie) headers.cookie = cookie;
    if (opts.rangeStart !== undefined && opts.rangeStart > 0) headers.range = `bytes=${opts.rangeStart}-`;
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const mod = u.protocol === "https:" ? https : u.protocol === "http:" ? http : undefined;
    if (!mod) throw new HttpError(`Unsupported URL scheme ${u.protocol} in ${redactUrl(current)}`, 0, false);
    const proxy = proxyFor(u);
    const idleMs = opts.idleTimeoutMs ?? 60_000;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      let response: http.IncomingMessage | undefined;
      const onResponse = (r: http.IncomingMessage): void => {
        response = r;
        resolve(r);
      };
      let req: http.ClientRequest;
      if (proxy && u.protocol === "http:") {
        // Plain HTTP through a proxy: the absolute URL as the request target.
        req = http.request(
          { host: proxy.hostname, port: proxy.port || 80, method, path: u.toString(), headers: { ...headers, host: u.host, ...proxyAuthorization(proxy) } },
          onResponse,
        );
      } else if (proxy) {
        req = https.request(
          u,
          {
            method,
            // With a custom createConnection Node has no agent to learn the default port from and
            // sends "Host: name:80"; URL.host is the name alone for 443 and name:port otherwise.
            headers: { ...headers, host: u.host },
            createConnection: ((_o: unknown, cb: (err: Error | null, s?: Socket) => void) => {
              tunnelTls(proxy, u, cb, opts.ca ? { ca: opts.ca } : {});
              return undefined;
            }) as unknown as https.RequestOptions["createConnection"],
          },
          onResponse,
        );
      } else {
        req = mod.request(u, { method, headers, ...(opts.ca && u.protocol === "https:" ? { ca: opts.ca } : {}) }, onResponse);
      }
      req.setTimeout(idleMs, () => {
        const stall = new StallError(
          `no data for ${formatSeconds(idleMs)} s (stall timeout) ${response ? "in the body" : "waiting for the response"} from ${redactUrl(current)}`,
          idleMs,
        );
        // Once the body flows, destroying the request reaches its reader only as a bare "aborted";
        // destroying the response hands the reader this error instead.
        if (response) response.destroy(stall);
        else req.destroy(stall);
      });
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
    jar.store(u, res.headers["set-cookie"]);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, u).toString();
      // 303 (and, by browser convention, 301/302 after a POST) continue as a GET without the body.
      if (status === 303 || (method === "POST" && (status === 301 || status === 302))) {
        method = "GET";
        body = undefined;
        delete extra["content-type"];
      }
      continue;
    }
    if ((status >= 200 && status < 300) || status === 416) return { res, url: current };
    res.resume();
    const retryable = status >= 500 || status === 408 || status === 429;
    const hint = status === 401 || status === 403 ? " (check the account credentials and that the licence was accepted)" : "";
    throw new HttpError(describeStatus(status, current) + hint, status, retryable, parseRetryAfter(res.headers["retry-after"]));
  }
  throw new HttpError(`Too many redirects (> ${maxRedirects}) starting at ${redactUrl(url)}`, 0, false);
}

/** GETs (or POSTs) JSON; used by the search providers and the CDSE token exchange. */
export async function httpJson<T>(url: string, opts: HttpOptions & { method?: string; body?: string } = {}): Promise<T> {
  const { res, url: finalUrl } = await httpRequest(url, { ...opts, headers: { accept: "application/json", ...(opts.headers ?? {}) } });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`Expected JSON from ${redactUrl(finalUrl)}, got: ${redact(text.slice(0, 200))}`);
  }
}

/** Hashes a file (SHA-256 and MD5 in one pass). */
export async function hashFile(file: string): Promise<{ sha256: string; md5: string; size: number }> {
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    sha.update(b);
    md5.update(b);
    size += b.length;
  }
  return { sha256: sha.digest("hex"), md5: md5.digest("hex"), size };
}

/** Throws a ChecksumError when the file differs from what is expected. */
export async function checkFile(file: string, expected: Expected, label: string, source: string): Promise<{ sha256: string; md5: string; size: number }> {
  const h = await hashFile(file);
  if (expected.size !== undefined && h.size !== expected.size) {
    throw new ChecksumError(label, "size", String(expected.size), String(h.size), source);
  }
  if (expected.sha256 && h.sha256 !== expected.sha256) throw new ChecksumError(label, "sha256", expected.sha256, h.sha256, source);
  if (!expected.sha256 && expected.md5 && h.md5 !== expected.md5) throw new ChecksumError(label, "md5", expected.md5, h.md5, source);
  return h;
}

/** Whether another attempt can help: not for wrong bytes, too many bytes, a refused request or a disk that cannot take the file. */
export function isRetryable(err: Error): boolean {
  if (err instanceof HttpError) return err.retryable;
  return !(err instanceof ChecksumError || err instanceof OversizeError || err instanceof DiskWriteError || isFatalWriteError(err));
}

function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/**
 * Downloads `url` to `dest`: bytes go to `dest.part` (kept between runs so a later run resumes), which
 * is renamed to `dest` only once its size and hash match. An existing `dest` is never touched unless
 * the new file verified.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions): Promise<DownloadResult> {
  const label = opts.label ?? dest;
  const part = `${dest}.part`;
  const retries = opts.retries ?? 5;
  const backoff = opts.backoffMs ?? 1000;
  const maxBackoff = opts.maxBackoffMs ?? 60_000;
  const { expected } = opts;
  mkdirSync(dirname(dest), { recursive: true });
  let resumed = false;
  let restartedAfterMismatch = false;
  const cookies = opts.cookies ?? new CookieJar();

  for (let attempt = 0; ; attempt++) {
    try {
      let have = sizeOf(part);
      if (expected.size !== undefined && have > expected.size) {
        rmSync(part, { force: true });
        have = 0;
      }
      if (expected.size !== undefined && have === expected.size && have > 0) {
        // A whole part file from an earlier run (killed before its rename): check it, refetch if bad.
        resumed = true;
      } else {
        await fetchInto(url, part, have, { ...opts, cookies }, label, () => (resumed = true));
      }
      try {
        const h = await checkFile(part, expected, label, redactUrl(url));
        renameSync(part, dest);
        return { bytes: h.size, sha256: h.sha256, md5: h.md5, attempts: attempt + 1, resumed };
      } catch (e) {
        // A bad file must not be resumed from: delete it. One clean retry covers a part file spoiled by
        // an earlier run against another server; a second mismatch is the server's bytes.
        rmSync(part, { force: true });
        if (e instanceof ChecksumError && resumed && !restartedAfterMismatch) {
          restartedAfterMismatch = true;
          resumed = false;
          continue;
        }
        throw e;
      }
    } catch (e) {
      const err = e as Error;
      if (!isRetryable(err) || attempt >= retries) {
        // Verdicts about the file name it themselves; the rest gets the file and the attempt count.
        if (err instanceof ChecksumError || err instanceof OversizeError || err instanceof DiskWriteError) throw err;
        const out = new Error(`Download of ${label} failed after ${attempt + 1} attempt(s): ${redact(err.message)}`);
        out.name = err.name;
        throw out;
      }
      const delay = Math.min(maxBackoff, err instanceof HttpError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoff * 2 ** attempt);
      const line = `${label}: ${redact(err.message)}; retrying in ${(delay / 1000).toFixed(1)} s (${attempt + 1}/${retries})`;
      if (opts.log) opts.log(line);
      else if (!isQuiet(opts.quiet)) process.stderr.write(line + "\n");
      await sleep(delay);
    }
  }
}

function openPartFile(path: string, flags: "w" | "a"): Writable {
  return createWriteStream(path, { flags });
}

/**
 * A full, read-only or forbidden disk mid-download. The part file is kept (its bytes are good and a
 * later run resumes from them) and nothing is retried: another attempt would fail the same way, and
 * the old "connection lost … ENOSPC" sent people looking at the network.
 */
function diskWriteError(e: unknown, label: string, part: string, total: number | undefined): DiskWriteError {
  const code = errnoCode(e) ?? "EIO";
  const have = sizeOf(part);
  const what = describeWriteError(code, part, { free: freeBytes(dirname(part)), needed: total !== undefined ? total - have : undefined });
  const kept = have > 0 ? `; the partial file (${have} bytes) is kept and the next fetch resumes it` : "";
  return new DiskWriteError(`${label}: ${what}: ${writeErrorAdvice(code)}${kept}`, code, part);
}

/** What a failed body means, in words that point at the real cause (disk, silence, connection). */
function bodyFailure(e: unknown, label: string, part: string, url: string, got: number, total: number | undefined): Error {
  if (e instanceof OversizeError) return e;
  if (isFatalWriteError(e)) return diskWriteError(e, label, part, total);
  const of = `${got} of ${total ?? "?"} bytes`;
  if (e instanceof StallError) return new StallError(`no data for ${formatSeconds(e.timeoutMs)} s (stall timeout) after ${of} from ${redactUrl(url)}`, e.timeoutMs);
  return new Error(`connection lost after ${of} from ${redactUrl(url)}: ${(e as Error).message}`);
}

function oversizeMessage(label: string, url: string, limit: ByteLimit, received: string): string {
  return `${label}: stopped the download because ${redactUrl(url)} ${received}, more than ${limit.bytes} bytes (${limit.why}); no partial file is kept`;
}

async function fetchInto(
  url: string,
  part: string,
  have: number,
  opts: DownloadOptions,
  label: string,
  markResumed: () => void,
): Promise<void> {
  const { res, url: finalUrl } = await httpRequest(url, { ...opts, rangeStart: have });
  const status = res.statusCode ?? 0;
  if (status === 416) {
    res.resume();
    // The server has nothing past our part: either it is whole (checked next) or it is not this file.
    if (opts.expected.size === undefined || have !== opts.expected.size) {
      rmSync(part, { force: true });
      throw new HttpError(`${describeStatus(416, finalUrl)}: partial file did not match; restarting`, 416, true);
    }
    return;
  }
  // A login or licence-acceptance page served with 200 instead of the file (Earthdata does this when
  // the ASF application is not yet authorised) would otherwise end as a puzzling size mismatch.
  const type = String(res.headers["content-type"] ?? "");
  if (/^text\/html/i.test(type) && !/\.html?$/i.test(label)) {
    res.resume();
    throw new HttpError(
      `${redactUrl(finalUrl)} answered with an HTML page instead of ${label} (a login or licence page? ` +
        `check the account, and that the data provider's licence/application is approved for it)`,
      status,
      false,
    );
  }
  let append = false;
  let total: number | undefined;
  const len = Number(res.headers["content-length"]);
  if (status === 206) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers["content-range"] ?? ""));
    if (!m || Number(m[1]) !== have) {
      res.resume();
      rmSync(part, { force: true });
      throw new HttpError(`Server answered the range request for ${label} with another range; restarting`, 206, true);
    }
    append = true;
    markResumed();
    total = m[3] === "*" ? undefined : Number(m[3]);
  } else {
    total = Number.isFinite(len) ? len : undefined;
  }
  if (total !== undefined && opts.expected.size !== undefined && total !== opts.expected.size) {
    res.resume();
    if (append) rmSync(part, { force: true });
    throw new ChecksumError(label, "size", String(opts.expected.size), String(total), `${redactUrl(finalUrl)} (Content-Length)`);
  }
  const start = append ? have : 0;
  const limit = byteLimit(opts.expected.size, start, freeBytes(dirname(part)), opts.maxBytes);
  const expectedBody = Number.isFinite(len) ? len : undefined;
  if (limit && expectedBody !== undefined && start + expectedBody > limit.bytes) {
    res.destroy();
    // A part this server would append to belongs to a file of another size: it is no use to resume.
    rmSync(part, { force: true });
    throw new OversizeError(oversizeMessage(label, finalUrl, limit, `announced ${start + expectedBody} bytes (Content-Length)`));
  }
  const bar = progress(label, total ?? opts.expected.size, { bytes: true, quiet: isQuiet(opts.quiet) });
  let got = start;
  bar.update(got);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      // Checked before the chunk is passed on, so the part file never holds more than the limit.
      if (limit && got + chunk.length > limit.bytes) {
        const received = `sent at least ${got + chunk.length} bytes${expectedBody === undefined ? " with no Content-Length" : ""}`;
        cb(new OversizeError(oversizeMessage(label, finalUrl, limit, received)));
        return;
      }
      got += chunk.length;
      bar.update(got);
      cb(null, chunk);
    },
  });
  const out = (opts.openPart ?? openPartFile)(part, append ? "a" : "w");
  try {
    await pipeline(res, counter, out);
  } catch (e) {
    // Let the stream release the file first: a late open could recreate a deleted part, and a kept
    // part's size is reported from the disk.
    if (!out.closed) await new Promise<void>((r) => out.once("close", () => r()));
    if (e instanceof OversizeError) rmSync(part, { force: true });
    throw bodyFailure(e, label, part, finalUrl, got, total ?? opts.expected.size);
  }
  if (expectedBody !== undefined && got - start < expectedBody) {
    throw new Error(`connection closed after ${got - start} of ${expectedBody} bytes`);
  }
  bar.done();
}
