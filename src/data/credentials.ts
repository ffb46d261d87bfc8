/**
 * Credentials for the accounts some datasets need (Copernicus Data Space, NASA Earthdata for ASF).
 * They come from the environment or ~/.netrc, are sent only to the hosts of their own service, and
 * every secret read here is registered so `redact()` strips it from any message before it reaches a
 * log, an error or a report.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Account } from "./manifest";

export interface NetrcEntry {
  login?: string;
  password?: string;
}

/** Parses a .netrc file's text (`machine`, `default`, `login`, `password`, `account`, `macdef`). */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const out = new Map<string, NetrcEntry>();
  // macdef bodies run to the next blank line and may contain anything; drop them before tokenising.
  const cleaned = text.replace(/(^|\s)macdef\s+\S+[^\n]*\n(?:[^\n]+\n?)*?(?:\n|$)/g, "$1");
  const tokens = cleaned.split(/\s+/).filter((t) => t.length > 0);
  let current: NetrcEntry | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "machine") {
      current = {};
      out.set(tokens[++i] ?? "", current);
    } else if (t === "default") {
      current = {};
      out.set("default", current);
    } else if (current && (t === "login" || t === "password" || t === "account")) {
      const v = tokens[++i];
      if (t === "login") current.login = v;
      else if (t === "password") current.password = v;
    }
  }
  return out;
}

export function netrcPath(): string {
  return process.env.NETRC ?? join(homedir(), ".netrc");
}

export function readNetrc(file: string = netrcPath()): Map<string, NetrcEntry> {
  if (!existsSync(file)) return new Map();
  return parseNetrc(readFileSync(file, "utf8"));
}

// ------------------------------------------------------------------ redaction

const secrets = new Set<string>();

/** Remembers a secret so `redact` hides it; short strings are ignored (they would mangle text). */
export function registerSecret(s: string | undefined): void {
  if (s && s.length >= 4) secrets.add(s);
}

/**
 * `name=value&…` with every non-empty value masked and the names kept as sent. All values, not just
 * ones under "sensitive" names: storage signs URLs under names no list can foresee (Azure SAS `sig=`,
 * S3 `X-Amz-*`, CDN `t=`/`e=`), and a name is enough to tell which parameter a message is about.
 */
export function maskQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0 || eq === pair.length - 1 ? pair : `${pair.slice(0, eq)}=***`;
    })
    .join("&");
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Hides userinfo, every query value and the fragment of a URL (signed redirects, OAuth codes). */
export function redactUrl(url: string): string {
  const u = parseUrl(url);
  return u ? redactSecrets(maskUrl(u)) : redact(url);
}

function maskUrl(u: URL): string {
  if (u.username) u.username = "***";
  if (u.password) u.password = "***";
  // Set through `search` (not searchParams) so names keep their exact spelling and encoding.
  if (u.search.length > 1) u.search = maskQuery(u.search.slice(1));
  // OAuth implicit flows put tokens in the fragment (#access_token=…).
  if (u.hash.length > 1) u.hash = maskQuery(u.hash.slice(1));
  return u.toString();
}

/** A URL inside free text; closing punctuation after it belongs to the sentence, not the URL. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const TRAILING_PUNCT = /[)\].,;:!?]+$/;

/**
 * Replaces every registered secret in `text` with `***`, and redacts every URL in it as `redactUrl`
 * does: messages from Node, servers and search APIs embed URLs this module never saw.
 */
export function redact(text: string): string {
  const urls = text.replace(URL_IN_TEXT, (m) => {
    const tail = TRAILING_PUNCT.exec(m)?.[0] ?? "";
    const core = tail ? m.slice(0, -tail.length) : m;
    const u = parseUrl(core);
    return (u ? maskUrl(u) : core) + tail;
  });
  return redactSecrets(urls);
}

function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}

// ------------------------------------------------------------------ accounts

export interface Credentials {
  account: Account;
  /** A ready bearer token (from the environment), or a username/password pair. */
  token?: string;
  username?: string;
  password?: string;
  /** Where they came from, for messages (never the values). */
  origin: string;
}

export interface AccountInfo {
  name: string;
  /** Hosts that may receive the bearer token (suffix match). */
  tokenHosts: string[];
  /** The login host that may receive username/password (Basic auth or token exchange). */
  loginHost: string;
  /** Other .netrc machine names accepted for the same account. */
  netrcMachines: string[];
  env: { token: string; username: string; password: string };
  signup: string;
}

export const ACCOUNT_INFO: Record<Account, AccountInfo> = {
  earthdata: {
    name: "NASA Earthdata (ASF)",
    tokenHosts: [".asf.alaska.edu", ".earthdata.nasa.gov", ".earthdatacloud.nasa.gov"],
    loginHost: "urs.earthdata.nasa.gov",
    netrcMachines: ["urs.earthdata.nasa.gov"],
    env: { token: "EARTHDATA_TOKEN", username: "EARTHDATA_USERNAME", password: "EARTHDATA_PASSWORD" },
    signup: "https://urs.earthdata.nasa.gov/users/new",
  },
  cdse: {
    name: "Copernicus Data Space Ecosystem",
    tokenHosts: [".dataspace.copernicus.eu"],
    loginHost: "identity.dataspace.copernicus.eu",
    netrcMachines: ["identity.dataspace.copernicus.eu", "dataspace.copernicus.eu"],
    env: { token: "CDSE_ACCESS_TOKEN", username: "CDSE_USERNAME", password: "CDSE_PASSWORD" },
    signup: "https://dataspace.copernicus.eu/",
  },
};

/** Credentials for an account from the environment, then ~/.netrc; undefined when none. */
export function findCredentials(
  account: Account,
  env: NodeJS.ProcessEnv = process.env,
  netrc: Map<string, NetrcEntry> = readNetrc(),
): Credentials | undefined {
  const info = ACCOUNT_INFO[account];
  const token = env[info.env.token];
  if (token) {
    registerSecret(token);
    return { account, token, origin: `$${info.env.token}` };
  }
  const user = env[info.env.username];
  const pass = env[info.env.password];
  if (user && pass) {
    registerSecret(pass);
    return { account, username: user, password: pass, origin: `$${info.env.username}/$${info.env.password}` };
  }
  for (const m of info.netrcMachines) {
    const e = netrc.get(m);
    if (e?.login && e.password) {
      registerSecret(e.password);
      return { account, username: e.login, password: e.password, origin: `~/.netrc (machine ${m})` };
    }
  }
  return undefined;
}

export function requireCredentials(account: Account, datasetId: string): Credentials {
  const c = findCredentials(account);
  if (c) return c;
  const info = ACCOUNT_INFO[account];
  throw new Error(
    `Dataset ${datasetId} needs a ${info.name} account (${info.signup}). Set ${info.env.username} and ` +
      `${info.env.password} (or ${info.env.token}), or add "machine ${info.netrcMachines[0]} login <user> ` +
      `password <password>" to ${netrcPath()}.`,
  );
}

export function hostMatches(host: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.startsWith(".") ? host === p.slice(1) || host.endsWith(p) : host === p));
}
