/**
 * A real HTTP server on 127.0.0.1 for the data tests: serves fixtures and misbehaves on purpose
 * (drops connections mid-file, serves wrong bytes, fails with 404/500/429, answers slowly, ignores
 * Range). Every request is logged so tests can assert on Range and Authorization headers.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];
// Every test file that makes temporary folders removes them when it ends (vitest runs each file in
// its own process, so this list is per file).
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `dlab-datatest-${prefix}-`));
  made.push(d);
  return d;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, nth: number) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: { path: string; headers: http.IncomingHttpHeaders; method: string; body: string }[];
  route(path: string, h: Handler): void;
  close(): Promise<void>;
}

export function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

export function md5(b: Uint8Array): string {
  return createHash("md5").update(b).digest("hex");
}

/** Deterministic pseudo-random bytes (xorshift), so fixtures need no files. */
export function fixtureBytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Serves `body` honouring `Range: bytes=N-` the way real servers do. */
export function serveBytes(body: Buffer, opts: { range?: boolean } = {}): Handler {
  return (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""));
    if (m && opts.range !== false) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        "content-length": body.length - start,
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
        "accept-ranges": "bytes",
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": body.length, "accept-ranges": "bytes" });
    res.end(body);
  };
}

/** The first `drops` requests send the headers and part of the body, then close the connection. */
export function dropMidFile(body: Buffer, drops: number, fraction = 0.4): Handler {
  const ok = serveBytes(body);
  return (req, res, nth) => {
    if (nth >= drops) return ok(req, res, nth);
    const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""));
    const start = m ? Number(m[1]) : 0;
    const rest = body.subarray(start);
    res.writeHead(m ? 206 : 200, {
      "content-length": rest.length,
      ...(m ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    // Close the connection (FIN) once the partial body is on its way: the client gets exactly these
    // bytes and then a premature end, whatever the load on the machine.
    res.write(rest.subarray(0, Math.floor(rest.length * fraction)), () => res.socket?.end());
  };
}

export function status(code: number, times = Infinity, then?: Handler, headers: Record<string, string> = {}): Handler {
  return (req, res, nth) => {
    if (nth < times || !then) {
      res.writeHead(code, headers);
      res.end(`status ${code}`);
      return;
    }
    then(req, res, nth);
  };
}

/** The first `times` requests wait `ms` before answering at all. */
export function slow(ms: number, times: number, then: Handler): Handler {
  return (req, res, nth) => {
    if (nth < times) {
      const t = setTimeout(() => then(req, res, nth), ms);
      res.on("close", () => clearTimeout(t));
      return;
    }
    then(req, res, nth);
  };
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const requests: TestServer["requests"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      requests.push({ path: req.url ?? "/", headers: req.headers, method: req.method ?? "GET", body: Buffer.concat(chunks).toString() });
      const h = routes.get(path);
      const nth = counts.get(path) ?? 0;
      counts.set(path, nth + 1);
      if (!h) {
        res.writeHead(404);
        res.end("not found");
        return;
      }
      h(req, res, nth);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (p, h) => {
      routes.set(p, h);
      counts.set(p, 0);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
