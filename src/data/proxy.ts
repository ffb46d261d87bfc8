/**
 * HTTP(S) proxies from the usual environment variables, for institutes whose machines reach the
 * internet only through one: `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` (either case) name an http://
 * proxy, optionally with `user:password@`; `NO_PROXY` lists hosts to reach directly (`*`, exact
 * names, domain suffixes, `host:port`). Without `NO_PROXY`, loopback addresses go direct. Plain-HTTP
 * URLs are sent to the proxy in absolute form; HTTPS goes through a CONNECT tunnel, so TLS still runs
 * end to end with the real server and its certificate is checked as usual.
 */
import http from "node:http";
import { isIP, type Socket } from "node:net";
import tls from "node:tls";
import { redactUrl, registerSecret } from "./credentials";

const LOOPBACK = "localhost,127.0.0.1,::1,[::1]";

function env(e: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = e[name] ?? e[name.toLowerCase()];
  return v === undefined || v === "" ? undefined : v;
}

export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const raw of noProxy.split(/[\s,]+/).filter(Boolean)) {
    if (raw === "*") return true;
    let entry = raw.toLowerCase().replace(/^\[|\]$/g, "");
    let entryPort: string | undefined;
    const m = /^(.*[^:]):(\d+)$/.exec(entry);
    if (m && !entry.includes("::")) {
      entry = m[1];
      entryPort = m[2];
    }
    if (entryPort && entryPort !== port) continue;
    const bare = entry.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy for a URL, or undefined to connect directly. */
export function proxyFor(url: URL, e: NodeJS.ProcessEnv = process.env): URL | undefined {
  const noProxy = e.NO_PROXY ?? e.no_proxy ?? LOOPBACK;
  if (bypassesProxy(url, noProxy)) return undefined;
  const raw = url.protocol === "https:" ? (env(e, "HTTPS_PROXY") ?? env(e, "ALL_PROXY")) : (env(e, "HTTP_PROXY") ?? env(e, "ALL_PROXY"));
  if (!raw) return undefined;
  const p = new URL(raw.includes("://") ? raw : `http://${raw}`);
  if (p.protocol !== "http:") throw new Error(`Only http:// proxies are supported, got ${redactUrl(p.toString())}`);
  if (p.password) registerSecret(decodeURIComponent(p.password));
  return p;
}

export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { "proxy-authorization": `Basic ${Buffer.from(cred).toString("base64")}` };
}

/** Opens a CONNECT tunnel through `proxy` to `target` and starts TLS on it. */
export function tunnelTls(
  proxy: URL,
  target: URL,
  callback: (err: Error | null, socket?: Socket) => void,
  tlsOptions: tls.ConnectionOptions = {},
): void {
  const port = target.port || "443";
  const req = http.request({
    host: proxy.hostname,
    port: proxy.port || 80,
    method: "CONNECT",
    path: `${target.hostname}:${port}`,
    headers: { host: `${target.hostname}:${port}`, ...proxyAuthorization(proxy) },
  });
  req.once("connect", (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      callback(new Error(`Proxy ${proxy.host} refused the tunnel to ${target.host}: HTTP ${res.statusCode}${res.statusCode === 407 ? " (proxy credentials needed: http://user:password@host:port in HTTPS_PROXY)" : ""}`));
      return;
    }
    // SNI takes host names only; for an IP address the certificate is still checked against it.
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const secure = tls.connect({ ...tlsOptions, socket, host, ...(isIP(host) ? {} : { servername: host }) });
    secure.once("secureConnect", () => callback(null, secure));
    secure.once("error", (e) => callback(e));
  });
  req.once("error", (e) => callback(new Error(`Cannot reach proxy ${proxy.host}: ${e.message}`)));
  req.end();
}
