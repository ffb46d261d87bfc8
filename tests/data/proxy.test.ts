import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { downloadFile } from "../../src/data/download";
import { bypassesProxy, proxyFor } from "../../src/data/proxy";
import { fixtureBytes, serveBytes, sha256, startServer, type TestServer, tempDir } from "./server";

process.env.DLAB_QUIET = "1";

const body = fixtureBytes(100_000, 41);
const expected = { sha256: sha256(body), size: body.length };
const fast = { retries: 1, backoffMs: 1, quiet: true };

/** A forward proxy: absolute-form requests for http://, CONNECT tunnels for https://. */
async function startProxy(
  opts: { requireAuth?: string; tunnelTo?: number } = {},
): Promise<{ url: string; seen: string[]; connectHosts: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const connectHosts: string[] = [];
  const authorized = (h: http.IncomingHttpHeaders): boolean =>
    !opts.requireAuth || h["proxy-authorization"] === `Basic ${Buffer.from(opts.requireAuth).toString("base64")}`;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (!authorized(req.headers)) {
      res.writeHead(407, { "proxy-authenticate": "Basic" });
      res.end();
      return;
    }
    const target = new URL(req.url ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const up = http.request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const tunnels = new Set<net.Socket>();
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    connectHosts.push(String(req.headers.host));
    tunnels.add(client);
    if (!authorized(req.headers)) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
      return;
    }
    // `tunnelTo` sends every tunnel to one loopback port, so a URL on the default port 443 can be tested.
    const [host, port] = opts.tunnelTo ? ["127.0.0.1", String(opts.tunnelTo)] : String(req.url).split(":");
    const up = net.connect(Number(port), host, () => {
      tunnels.add(up);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connectHosts,
    // Tunnels are detached from the HTTP server: close() would wait for them, so end them first.
    close: () =>
      new Promise<void>((r) => {
        for (const t of tunnels) t.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let srv: TestServer;
const saved = { ...process.env };
beforeAll(async () => {
  srv = await startServer();
  srv.route("/f", serveBytes(body));
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  process.env = { ...saved };
});

describe("proxy selection", () => {
  it("reads the usual variables and honours NO_PROXY", () => {
    const u = new URL("https://datapool.asf.alaska.edu/x");
    expect(proxyFor(u, { HTTPS_PROXY: "http://proxy:3128" })?.host).toBe("proxy:3128");
    expect(proxyFor(u, { https_proxy: "proxy:8080" })?.host).toBe("proxy:8080");
    expect(proxyFor(new URL("http://a.org/"), { HTTPS_PROXY: "http://p:1" })).toBeUndefined();
    expect(proxyFor(new URL("http://a.org/"), { ALL_PROXY: "http://p:1" })?.host).toBe("p:1");
    expect(proxyFor(u, { HTTPS_PROXY: "http://p:1", NO_PROXY: ".alaska.edu" })).toBeUndefined();
    expect(proxyFor(new URL("http://127.0.0.1:8000/"), { HTTP_PROXY: "http://p:1" })).toBeUndefined();
    expect(proxyFor(new URL("http://127.0.0.1:8000/"), { HTTP_PROXY: "http://p:1", NO_PROXY: "" })?.host).toBe("p:1");
    expect(() => proxyFor(u, { HTTPS_PROXY: "socks5://p:1" })).toThrow(/Only http:\/\/ proxies/);
  });

  it("matches NO_PROXY entries by name, suffix, wildcard and port", () => {
    const u = new URL("https://zenodo.org/api");
    expect(bypassesProxy(u, "*")).toBe(true);
    expect(bypassesProxy(u, "example.com, zenodo.org")).toBe(true);
    expect(bypassesProxy(new URL("https://a.zenodo.org/"), "*.zenodo.org")).toBe(true);
    expect(bypassesProxy(new URL("https://notzenodo.org/"), "zenodo.org")).toBe(false);
    expect(bypassesProxy(u, "zenodo.org:8443")).toBe(false);
    expect(bypassesProxy(u, "zenodo.org:443")).toBe(true);
  });
});

describe("downloads through a proxy", () => {
  it("sends plain HTTP to the proxy in absolute form, with proxy credentials, never leaking them", async () => {
    const proxy = await startProxy({ requireAuth: "me:pr0xy-secret" });
    try {
      process.env.HTTP_PROXY = proxy.url.replace("http://", "http://me:pr0xy-secret@");
      process.env.NO_PROXY = "";
      const dir = tempDir("proxy");
      await downloadFile(`${srv.url}/f`, join(dir, "f.bin"), { expected, ...fast });
      expect(readFileSync(join(dir, "f.bin")).equals(body)).toBe(true);
      expect(proxy.seen).toEqual([`GET ${srv.url}/f`]);

      process.env.HTTP_PROXY = proxy.url.replace("http://", "http://me:wrong-pass@");
      const err = (await downloadFile(`${srv.url}/f`, join(dir, "g.bin"), { expected, ...fast }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/HTTP 407/);
      expect(err.message).not.toContain("wrong-pass");
    } finally {
      await proxy.close();
    }
  });

  let haveOpenssl = true;
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    haveOpenssl = false;
  }

  it.skipIf(!haveOpenssl)("tunnels HTTPS with CONNECT and still checks the server's certificate", async () => {
    const dir = tempDir("tls");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => serveBytes(body)(req, res, 0));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const proxy = await startProxy();
    try {
      process.env.HTTPS_PROXY = proxy.url;
      process.env.NO_PROXY = "";
      await downloadFile(`https://127.0.0.1:${port}/f`, join(dir, "f.bin"), { expected, ...fast, ca: cert });
      expect(readFileSync(join(dir, "f.bin")).equals(body)).toBe(true);
      expect(proxy.seen).toEqual([`CONNECT 127.0.0.1:${port}`]);
      // Without the CA the tunnel is fine but TLS refuses the unknown certificate.
      await expect(downloadFile(`https://127.0.0.1:${port}/f`, join(dir, "g.bin"), { expected, ...fast })).rejects.toThrow(/self[- ]signed certificate/);
    } finally {
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it.skipIf(!haveOpenssl)("sends the right Host through an HTTPS proxy: no port for 443, host:port otherwise", async () => {
    const dir = tempDir("host");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const hosts: (string | undefined)[] = [];
    const server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      hosts.push(req.headers.host);
      serveBytes(body)(req, res, 0);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const proxy = await startProxy({ tunnelTo: port });
    try {
      process.env.HTTPS_PROXY = proxy.url;
      process.env.NO_PROXY = "";
      await downloadFile("https://localhost/f", join(dir, "a.bin"), { expected, ...fast, ca: cert });
      await downloadFile(`https://127.0.0.1:${port}/f`, join(dir, "b.bin"), { expected, ...fast, ca: cert });
      expect(hosts).toEqual(["localhost", `127.0.0.1:${port}`]);
      // CONNECT itself names the port, always (RFC 9110 §9.3.6).
      expect(proxy.connectHosts).toEqual(["localhost:443", `127.0.0.1:${port}`]);
    } finally {
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it("reports a proxy that refuses the tunnel", async () => {
    const proxy = await startProxy({ requireAuth: "x:y" });
    try {
      process.env.HTTPS_PROXY = proxy.url;
      process.env.NO_PROXY = "";
      const dir = tempDir("407");
      await expect(downloadFile("https://127.0.0.1:9/f", join(dir, "f.bin"), { expected, ...fast })).rejects.toThrow(
        /Proxy 127\.0\.0\.1:\d+ refused the tunnel to 127\.0\.0\.1:9: HTTP 407 \(proxy credentials needed/,
      );
    } finally {
      await proxy.close();
    }
  });
});
