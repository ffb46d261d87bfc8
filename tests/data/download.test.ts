import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DiskWriteError } from "../../src/data/disk";
import { ChecksumError, CookieJar, downloadFile, hashFile, OversizeError } from "../../src/data/download";
import { type Handler, dropMidFile, fixtureBytes, serveBytes, sha256, slow, startServer, status, type TestServer, tempDir } from "./server";

process.env.DLAB_QUIET = "1";

let srv: TestServer;
let dir: string;
const body = fixtureBytes(300_000, 7);
const expected = { sha256: sha256(body), size: body.length };
const fast = { retries: 4, backoffMs: 5, quiet: true };

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  dir = tempDir("dl");
  srv.requests.length = 0;
});

const leftovers = (): string[] => readdirSync(dir).filter((f) => f !== "out.bin");

describe("downloadFile against a misbehaving loopback server", () => {
  it("downloads a file and verifies its sha256", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect(r.sha256).toBe(expected.sha256);
    expect(r.bytes).toBe(body.length);
    expect(r.attempts).toBe(1);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("resumes with a Range request after the connection drops mid-file", async () => {
    srv.route("/drop", dropMidFile(body, 2));
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/drop`, dest, { expected, ...fast });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(r.attempts).toBe(3);
    expect(r.resumed).toBe(true);
    const ranges = srv.requests.filter((q) => q.path === "/drop").map((q) => q.headers.range);
    expect(ranges[0]).toBeUndefined();
    // Each retry asks for exactly what is not on disk yet. How much of the 40 % sent before the cut
    // reached the disk depends on buffering (data still queued in the response is dropped with it),
    // but it never shrinks (a cut can lose all of a retry's bytes) and never passes what the server sent.
    const starts = ranges.slice(1).filter((r) => r !== undefined).map((r) => Number(/^bytes=(\d+)-$/.exec(String(r))![1]));
    expect(starts.length).toBeGreaterThan(0);
    expect(starts[0]).toBeLessThanOrEqual(Math.floor(body.length * 0.4));
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1]);
    expect(leftovers()).toEqual([]);
  });

  it("resumes a partial file left by an earlier run", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, body.subarray(0, 123_456));
    const r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect(r.resumed).toBe(true);
    expect(srv.requests[0].headers.range).toBe("bytes=123456-");
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("restarts cleanly when a stale partial file does not belong to this file", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, fixtureBytes(1000, 99));
    const r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(r.attempts).toBe(2);
    expect(srv.requests.map((q) => q.headers.range)).toEqual(["bytes=1000-", undefined]);
  });

  it("checks a complete part file left by a killed run, and refetches it when it is bad", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, body);
    let r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect([r.attempts, srv.requests.length]).toEqual([1, 0]);
    rmSync(dest);
    writeFileSync(`${dest}.part`, fixtureBytes(body.length, 5));
    r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(srv.requests.map((q) => q.headers.range)).toEqual([undefined]);
  });

  it("starts over when the server ignores Range and sends the whole file", async () => {
    srv.route("/norange", serveBytes(body, { range: false }));
    const dest = join(dir, "out.bin");
    writeFileSync(`${dest}.part`, body.subarray(0, 5000));
    await downloadFile(`${srv.url}/norange`, dest, { expected, ...fast });
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("fails with a hash error naming the file, expected and actual hash when the bytes are wrong", async () => {
    const wrong = Buffer.from(body);
    wrong[1000] ^= 0xff;
    srv.route("/wrong", serveBytes(wrong));
    const dest = join(dir, "out.bin");
    writeFileSync(dest, "previous good content");
    const err = await downloadFile(`${srv.url}/wrong`, dest, { expected, ...fast, label: "ds/wrong.bin" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    const msg = (err as Error).message;
    expect(msg).toContain("ds/wrong.bin");
    expect(msg).toContain(expected.sha256);
    expect(msg).toContain(sha256(wrong));
    // Wrong bytes are not a transient failure: one request, no retries.
    expect(srv.requests.length).toBe(1);
    // What was at the destination before is untouched and no partial file is left.
    expect(readFileSync(dest, "utf8")).toBe("previous good content");
    expect(leftovers()).toEqual([]);
  });

  it("fails on a Content-Length that contradicts the manifest size without writing anything", async () => {
    srv.route("/short", serveBytes(body.subarray(0, 1000)));
    const dest = join(dir, "out.bin");
    await expect(downloadFile(`${srv.url}/short`, dest, { expected, ...fast })).rejects.toThrow(/Size mismatch.*expected 300000 bytes, got 1000/);
    expect(existsSync(dest)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("recognises an HTML login page served in place of the file", async () => {
    srv.route("/login-page", (_q, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body>Please approve the application</body></html>");
    });
    const dest = join(dir, "out.bin");
    await expect(downloadFile(`${srv.url}/login-page`, dest, { expected, ...fast, label: "s1/x.zip" })).rejects.toThrow(
      /answered with an HTML page instead of s1\/x\.zip \(a login or licence page\?/,
    );
    expect(srv.requests.length).toBe(1);
    expect(leftovers()).toEqual([]);
  });

  it("gives up at once on 404 with a clear message", async () => {
    const dest = join(dir, "out.bin");
    const err = (await downloadFile(`${srv.url}/missing`, dest, { expected, ...fast, label: "ds/missing.bin" }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/ds\/missing\.bin.*HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/missing/);
    expect(srv.requests.length).toBe(1);
    expect(existsSync(dest)).toBe(false);
  });

  it("retries 500 with backoff and then succeeds", async () => {
    srv.route("/flaky", status(500, 2, serveBytes(body)));
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/flaky`, dest, { expected, ...fast });
    expect(r.attempts).toBe(3);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("honours Retry-After on 429", async () => {
    srv.route("/busy", status(429, 1, serveBytes(body), { "retry-after": "0" }));
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/busy`, dest, { expected, ...fast, backoffMs: 60_000 });
    expect(r.attempts).toBe(2);
  });

  it("reports the last error after the retries are spent, leaving no file in place", async () => {
    srv.route("/down", status(503));
    const dest = join(dir, "out.bin");
    await expect(downloadFile(`${srv.url}/down`, dest, { expected, ...fast, retries: 2 })).rejects.toThrow(/failed after 3 attempt\(s\): HTTP 503/);
    expect(existsSync(dest)).toBe(false);
  });

  it("times out a server that stops answering, then retries", async () => {
    srv.route("/slow", slow(5_000, 1, serveBytes(body)));
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/slow`, dest, { expected, ...fast, idleTimeoutMs: 400 });
    expect(r.attempts).toBe(2);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("times out a body that stalls half-way and resumes where it stopped", async () => {
    const ok = serveBytes(body);
    srv.route("/stall", (q, res, nth) => {
      if (nth > 0) return ok(q, res, nth);
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 100_000)); // ...and then silence
    });
    const dest = join(dir, "out.bin");
    const r = await downloadFile(`${srv.url}/stall`, dest, { expected, ...fast, idleTimeoutMs: 300 });
    expect(r.attempts).toBe(2);
    expect(r.resumed).toBe(true);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("lets a slow but steady response finish (the timeout is for silence, not for slowness)", async () => {
    srv.route("/trickle", (_q, res) => {
      res.writeHead(200, { "content-length": body.length });
      let i = 0;
      const step = Math.ceil(body.length / 8);
      const t = setInterval(() => {
        res.write(body.subarray(i, i + step));
        i += step;
        if (i >= body.length) {
          clearInterval(t);
          res.end();
        }
      }, 60);
      res.on("close", () => clearInterval(t));
    });
    const dest = join(dir, "out.bin");
    // 60 ms between chunks against a 1 s silence limit: generous enough for a loaded CI machine.
    const r = await downloadFile(`${srv.url}/trickle`, dest, { expected, ...fast, idleTimeoutMs: 1000 });
    expect(r.attempts).toBe(1);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("accepts an MD5-only product (search results) and checks it", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    const md5 = (await hashFile((writeFileSync(join(dir, "ref"), body), join(dir, "ref")))).md5;
    rmSync(join(dir, "ref"));
    await downloadFile(`${srv.url}/ok`, dest, { expected: { md5, size: body.length }, ...fast });
    rmSync(dest);
    await expect(downloadFile(`${srv.url}/ok`, dest, { expected: { md5: "0".repeat(32) }, ...fast })).rejects.toThrow(/md5 mismatch/);
  });

  it("turns a POST into a GET without its body after a 303", async () => {
    srv.route("/post", (_q, res) => {
      res.writeHead(303, { location: "/after" });
      res.end();
    });
    srv.route("/after", (q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: q.method }));
    });
    const { httpJson } = await import("../../src/data/download");
    const r = await httpJson<{ method: string }>(`${srv.url}/post`, { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(r.method).toBe("GET");
    const after = srv.requests.find((q) => q.path === "/after")!;
    expect([after.body, after.headers["content-type"]]).toEqual(["", undefined]);
  });

  it("keeps cookies to the domains that may receive them", () => {
    const jar = new CookieJar();
    jar.store(new URL("https://urs.earthdata.nasa.gov/x"), ["urs=1; Path=/"]);
    jar.store(new URL("https://sentinel1.asf.alaska.edu/cb"), ["asf-urs=2; Domain=.asf.alaska.edu; Path=/", "evil=3; Domain=.example.com"]);
    expect(jar.header(new URL("https://datapool.asf.alaska.edu/a"))).toBe("asf-urs=2");
    expect(jar.header(new URL("https://urs.earthdata.nasa.gov/y"))).toBe("urs=1");
    expect(jar.header(new URL("https://www.example.com/"))).toBeUndefined();
  });

  it("follows redirects, carrying cookies and sending credentials only to the hosts allowed", async () => {
    srv.route("/start", (_q, res) => {
      res.writeHead(302, { location: "/login", "set-cookie": "session=abc; Path=/" });
      res.end();
    });
    srv.route("/login", (q, res) => {
      res.writeHead(q.headers.cookie === "session=abc" ? 302 : 403, { location: "/data" });
      res.end();
    });
    srv.route("/data", serveBytes(body));
    const dest = join(dir, "out.bin");
    const seen: string[] = [];
    await downloadFile(`${srv.url}/start`, dest, {
      expected,
      ...fast,
      cookies: new CookieJar(),
      auth: (u) => {
        seen.push(u.pathname);
        return u.pathname === "/login" ? { authorization: "Basic c2VjcmV0" } : undefined;
      },
    });
    expect(seen).toEqual(["/start", "/login", "/data"]);
    const auths = srv.requests.map((q) => [q.path, q.headers.authorization]);
    expect(auths).toEqual([["/start", undefined], ["/login", "Basic c2VjcmV0"], ["/data", undefined]]);
  });

  it("DLAB_QUIET=1 silences the download bar and retry lines even when quiet is false", async () => {
    srv.route("/flaky-quiet", status(500, 1, serveBytes(body)));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const r = await downloadFile(`${srv.url}/flaky-quiet`, join(dir, "out.bin"), { expected, retries: 2, backoffMs: 5, quiet: false });
      expect(r.attempts).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([]);
  });

  it("redacts every query value of a redirect URL in errors and retry messages (sig=, X-Amz-*, t=)", async () => {
    srv.route("/signed", (_q, res) => {
      res.writeHead(302, { location: "/blob?sv=2022&sig=AZURE-SIG-VALUE&X-Amz-Credential=AKIAEXAMPLE&t=tok-123" });
      res.end();
    });
    srv.route("/blob", status(503));
    const lines: string[] = [];
    const err = (await downloadFile(`${srv.url}/signed`, join(dir, "out.bin"), { expected, ...fast, retries: 1, log: (l) => lines.push(l) }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/HTTP 503 Service Unavailable for http:\/\/127\.0\.0\.1:\d+\/blob\?sv=\*\*\*&sig=\*\*\*&X-Amz-Credential=\*\*\*&t=\*\*\*/);
    expect(lines.length).toBe(1);
    for (const text of [err.message, ...lines]) {
      for (const secret of ["AZURE-SIG-VALUE", "AKIAEXAMPLE", "tok-123"]) expect(text).not.toContain(secret);
    }
  });

  it("names the stall timeout, the bytes so far and the redacted URL when a body stalls", async () => {
    srv.route("/stall-named", (_q, res) => {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 100_000)); // ...and then silence until the client gives up
    });
    const lines: string[] = [];
    const url = `${srv.url}/stall-named?sig=SECRET-SIG`;
    const err = (await downloadFile(url, join(dir, "out.bin"), { expected, ...fast, retries: 1, idleTimeoutMs: 300, log: (l) => lines.push(l) }).catch(
      (e: unknown) => e,
    )) as Error;
    const said = /no data for 0\.3 s \(stall timeout\) after 100000 of 300000 bytes from http:\/\/127\.0\.0\.1:\d+\/stall-named\?sig=\*\*\*/;
    // The retry resumes at 100000 and stalls at once: nothing more arrives, so the count stays.
    expect(lines[0]).toMatch(said);
    expect(err.message).toMatch(said);
    expect(err.message).not.toMatch(/aborted/);
    expect(srv.requests.map((q) => q.headers.range)).toEqual([undefined, "bytes=100000-"]);
  });

  it("names the stall timeout when the server never answers", async () => {
    srv.route("/mute", () => undefined);
    const err = (await downloadFile(`${srv.url}/mute`, join(dir, "out.bin"), { expected, ...fast, retries: 0, idleTimeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/no data for 0\.3 s \(stall timeout\) waiting for the response from http:\/\/127\.0\.0\.1:\d+\/mute/);
  });

  /** A body with no Content-Length that goes on for `limit` bytes (bounded), minding backpressure. */
  function endless(limit: number, sent: { bytes: number; closedEarly: boolean }): Handler {
    return (_q, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = fixtureBytes(64 * 1024, 3);
      res.on("close", () => (sent.closedEarly = sent.bytes < limit));
      const pump = (): void => {
        while (sent.bytes < limit && !res.destroyed) {
          sent.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    };
  }

  it("caps a download with no Content-Length at the manifest size and stops at once", async () => {
    const size = 4 * 1024 * 1024; // the 4 MB manifest entry of the report
    const bound = 64 * 1024 * 1024;
    const sent = { bytes: 0, closedEarly: false };
    srv.route("/endless", endless(bound, sent));
    const dest = join(dir, "out.bin");
    const err = (await downloadFile(`${srv.url}/endless?t=tok`, dest, { expected: { sha256: expected.sha256, size }, ...fast, label: "ds/big.bin" }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(OversizeError);
    expect(err.message).toMatch(/^ds\/big\.bin: stopped the download because http:\/\/127\.0\.0\.1:\d+\/endless\?t=\*\*\* sent at least \d+ bytes with no Content-Length, more than 4194304 bytes \(the expected size\)/);
    const received = Number(/at least (\d+)/.exec(err.message)![1]);
    expect(received).toBeGreaterThan(size);
    expect(received).toBeLessThanOrEqual(size + 1024 * 1024);
    // Not retried (it would only happen again), nothing left on disk, and the server was cut off.
    expect(srv.requests.length).toBe(1);
    expect(leftovers()).toEqual([]);
    expect(existsSync(dest)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.closedEarly).toBe(true);
    expect(sent.bytes).toBeLessThan(bound / 2);
  });

  it("refuses a Content-Length larger than the manifest size before writing a byte", async () => {
    srv.route("/huge", (_q, res) => {
      res.writeHead(200, { "content-length": 10 * body.length });
      res.write(body); // the rest never comes; the client must not wait for it
    });
    const dest = join(dir, "out.bin");
    await expect(downloadFile(`${srv.url}/huge`, dest, { expected, ...fast, label: "ds/x.bin" })).rejects.toThrow(
      /Size mismatch for ds\/x\.bin: expected 300000 bytes, got 3000000 bytes \(from http:\/\/127\.0\.0\.1:\d+\/huge \(Content-Length\)\)/,
    );
    expect(srv.requests.length).toBe(1);
    expect(leftovers()).toEqual([]);
  });

  it("caps a file of unknown size at maxBytes, by Content-Length or by the bytes received", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    const unknown = { sha256: expected.sha256 };
    await expect(downloadFile(`${srv.url}/ok`, dest, { expected: unknown, ...fast, maxBytes: 1000, label: "p/x.zip" })).rejects.toThrow(
      /^p\/x\.zip: stopped the download because http:\/\/127\.0\.0\.1:\d+\/ok announced 300000 bytes \(Content-Length\), more than 1000 bytes \(the limit set for this download\)/,
    );
    const sent = { bytes: 0, closedEarly: false };
    srv.route("/endless", endless(8 * 1024 * 1024, sent));
    await expect(downloadFile(`${srv.url}/endless`, dest, { expected: unknown, ...fast, maxBytes: 200_000 })).rejects.toThrow(
      /sent at least \d+ bytes with no Content-Length, more than 200000 bytes \(the limit set for this download\)/,
    );
    expect(leftovers()).toEqual([]);
    // Within the cap, an unknown size is no obstacle.
    const r = await downloadFile(`${srv.url}/ok`, dest, { expected: unknown, ...fast, maxBytes: body.length });
    expect(r.bytes).toBe(body.length);
  });

  /** A part-file opener whose disk "fills up" after `room` bytes: writes go to the real file until then. */
  function diskFailsAfter(room: number, code: string): (path: string, flags: "w" | "a") => Writable {
    return (path, flags) => {
      const real = createWriteStream(path, { flags });
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (written + chunk.length > room) {
            cb(Object.assign(new Error(`${code}: simulated write failure, write`), { code, errno: -28, syscall: "write" }));
            return;
          }
          written += chunk.length;
          real.write(chunk, cb);
        },
        final(cb) {
          real.end(cb);
        },
        destroy(err, cb) {
          real.end(() => cb(err));
        },
      });
    };
  }

  it("reports 'disk full at <path>' mid-download, keeps the .part and does not retry (ENOSPC)", async () => {
    srv.route("/ok", serveBytes(body));
    const dest = join(dir, "out.bin");
    const lines: string[] = [];
    const err = (await downloadFile(`${srv.url}/ok`, dest, {
      expected, ...fast, label: "ds/out.bin", log: (l) => lines.push(l), openPart: diskFailsAfter(100_000, "ENOSPC"),
    }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DiskWriteError);
    expect(err.message).toMatch(/^ds\/out\.bin: disk full at .*out\.bin\.part \(free [\d.]+ [KMGT]?i?B, needed [\d.]+ KiB\): free some space/);
    expect(err.message).not.toMatch(/connection lost|ECONNRESET/);
    expect([srv.requests.length, lines.length]).toEqual([1, 0]);
    // The bytes that did reach the disk are good: kept for the next run to resume from.
    const kept = statSync(`${dest}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);
    expect(err.message).toContain(`the partial file (${kept} bytes) is kept`);
    expect(existsSync(dest)).toBe(false);
    // ...and a later run with room resumes from them.
    const r = await downloadFile(`${srv.url}/ok`, dest, { expected, ...fast });
    expect(r.resumed).toBe(true);
    expect(srv.requests[1].headers.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("classifies EDQUOT, EROFS and EACCES write errors as fatal, each with its own message", async () => {
    srv.route("/ok", serveBytes(body));
    const said: Record<string, RegExp> = {
      EDQUOT: /disk quota exceeded at .*\.part .*: free some space/,
      EROFS: /read-only file system at .*\.part: set --data-dir or DLAB_DATA_DIR to a folder you can write/,
      EACCES: /no permission to write .*\.part \(EACCES\)/,
    };
    for (const [code, re] of Object.entries(said)) {
      srv.requests.length = 0;
      const err = (await downloadFile(`${srv.url}/ok`, join(dir, `${code}.bin`), { expected, ...fast, openPart: diskFailsAfter(0, code) }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(err).toBeInstanceOf(DiskWriteError);
      expect(err.message).toMatch(re);
      expect(srv.requests.length).toBe(1);
    }
  });

  it("resumes after the downloading process is killed with SIGKILL mid-file", async () => {
    const ok = serveBytes(body);
    srv.route("/killed", (q, res, nth) => {
      if (nth > 0) return ok(q, res, nth);
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 120_000)); // ...then nothing: the process is killed while it waits
    });
    const dest = join(dir, "out.bin");
    const child = join(tempDir("child"), "child.mts"); // .mts: an ES module wherever the temp folder is
    const src = resolve("src/data/download.ts");
    writeFileSync(
      child,
      `import { downloadFile } from ${JSON.stringify(src)};\n` +
        `await downloadFile(${JSON.stringify(`${srv.url}/killed`)}, ${JSON.stringify(dest)}, { expected: ${JSON.stringify(expected)}, quiet: true, retries: 0 });\n`,
    );
    // One process (node with the tsx loader), so the kill reaches the process that holds the file.
    const proc = spawn(process.execPath, ["--import", "tsx", child], { cwd: process.cwd(), stdio: "ignore", env: { ...process.env, DLAB_QUIET: "1" } });
    const exited = new Promise<NodeJS.Signals | null>((r) => proc.once("exit", (_code, signal) => r(signal)));
    try {
      const deadline = Date.now() + 60_000;
      while (!(existsSync(`${dest}.part`) && statSync(`${dest}.part`).size >= 120_000) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(statSync(`${dest}.part`).size).toBe(120_000);
      proc.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    }
    expect(existsSync(dest)).toBe(false);
    const r = await downloadFile(`${srv.url}/killed`, dest, { expected, ...fast });
    expect(r.resumed).toBe(true);
    expect(srv.requests.filter((q) => q.path === "/killed").map((q) => q.headers.range)).toEqual([undefined, "bytes=120000-"]);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
