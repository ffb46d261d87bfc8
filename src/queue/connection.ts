/**
 * The Redis a run and its workers share, named by one URL (`redis://[user:password@]host:port[/db]`,
 * `rediss://` for TLS). Credentials in the URL must never reach a log or an error message, so every
 * message shows `redactUrl(url)` only.
 */
import type { ConnectionOptions } from "bullmq";
import { UsageError } from "../core/errors";

/** The queue every job type shares; BullMQ keys live under `dlab:<name>:*` in Redis. */
export const QUEUE_NAME = "jobs";
export const QUEUE_PREFIX = "dlab";

/** `url` with any user name and password replaced by `***` (also inside an unparsable URL). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? "***" : "";
      u.password = u.password ? "***" : "";
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** BullMQ/ioredis connection options for `url`; refuses anything that is not a redis URL. */
export function connectionFor(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue ${redactUrl(url)} is not a URL; use redis://host:port`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new UsageError(`--queue ${redactUrl(url)}: only redis:// and rediss:// URLs are supported`);
  const port = u.port ? Number(u.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--queue ${redactUrl(url)}: bad port`);
  const db = u.pathname && u.pathname !== "/" ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new UsageError(`--queue ${redactUrl(url)}: database must be 0..15`);
  return {
    host: u.hostname,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    // Workers block on Redis; null lets commands wait through a Redis restart instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid username|AUTH.*without any password|NOPERM/i;

/**
 * Reports a queue client's connection errors (redacted, at most one line per `everyMs`) and returns a
 * promise that rejects on an authentication error, which retrying cannot fix; a refused or dropped
 * connection is only reported, since ioredis reconnects (a Redis restart mid-run).
 */
export function watchConnection(client: { on(event: "error", f: (e: Error) => void): unknown }, url: string, log: (line: string) => void, everyMs = 10_000): Promise<never> {
  let last = 0;
  return new Promise<never>((_, reject) => {
    client.on("error", (e: Error) => {
      const msg = e.message.split(url).join(redactUrl(url));
      if (AUTH_ERROR.test(msg)) reject(new Error(`${redactUrl(url)}: Redis refused the credentials (${msg})`));
      else if (Date.now() - last >= everyMs) {
        last = Date.now();
        log(`queue: ${redactUrl(url)}: ${msg} (retrying)`);
      }
    });
  });
}

/**
 * For the queue CLIs: an error nobody caught (ioredis can emit one after a client closed) prints as one
 * redacted line, never as Node's dump of the failing command, which would show the AUTH arguments.
 */
export function guardProcess(url: string | undefined, tool: string): void {
  if (!url) return;
  const secret = url ? (() => { try { return decodeURIComponent(new URL(url).password); } catch { return ""; } })() : "";
  const clean = (m: string): string => {
    let out = url ? m.split(url).join(redactUrl(url)) : m;
    if (secret) out = out.split(secret).join("***");
    return out;
  };
  const fail = (e: unknown): void => {
    process.stderr.write(`${tool}: ${clean(e instanceof Error ? e.message : String(e))}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
}
