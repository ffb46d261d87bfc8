/**
 * `npm run bench -- data [--mib=N]`: throughput of the data layer on this machine — hashing (the
 * SHA-256 + MD5 pass every fetched file gets), a verified download over loopback (with one resume),
 * and zip / tar.gz extraction. Size of the test file: N MiB (default 64).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import { extractArchive } from "../src/data/archive";
import { downloadFile, hashFile } from "../src/data/download";

function bytes(n: number): Buffer {
  // Half random, half repetitive, so deflate has work to do and something to gain.
  const b = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    if ((i >> 16) & 1) b[i] = i & 0xff;
    else {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
  }
  return b;
}

function tarOf(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const v of h) sum += v;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

function zipOf(name: string, data: Buffer): Buffer {
  const comp = zlib.deflateRawSync(data);
  const crc = zlib.crc32(data) >>> 0;
  const n = Buffer.from(name);
  const lh = Buffer.alloc(30);
  lh.writeUInt32LE(0x04034b50, 0);
  lh.writeUInt16LE(20, 4);
  lh.writeUInt16LE(8, 8);
  lh.writeUInt32LE(crc, 14);
  lh.writeUInt32LE(comp.length, 18);
  lh.writeUInt32LE(data.length, 22);
  lh.writeUInt16LE(n.length, 26);
  const ch = Buffer.alloc(46);
  ch.writeUInt32LE(0x02014b50, 0);
  ch.writeUInt16LE(20, 4);
  ch.writeUInt16LE(20, 6);
  ch.writeUInt16LE(8, 10);
  ch.writeUInt32LE(crc, 16);
  ch.writeUInt32LE(comp.length, 20);
  ch.writeUInt32LE(data.length, 24);
  ch.writeUInt16LE(n.length, 28);
  const cdOff = 30 + n.length + comp.length;
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(1, 8);
  e.writeUInt16LE(1, 10);
  e.writeUInt32LE(46 + n.length, 12);
  e.writeUInt32LE(cdOff, 16);
  return Buffer.concat([lh, n, comp, ch, n, e]);
}

async function timed<T>(f: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await f();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value };
}

export async function run(args: string[]): Promise<object> {
  const mib = Number(args.find((a) => a.startsWith("--mib="))?.slice(6) ?? 64);
  const size = Math.round(mib * 1024 * 1024);
  const dir = mkdtempSync(join(tmpdir(), "dlab-bench-"));
  process.env.DLAB_QUIET = "1";
  try {
    const data = bytes(size);
    const src = join(dir, "src.bin");
    writeFileSync(src, data);
    const hash = await timed(() => hashFile(src));

    let served = 0;
    const server = http.createServer((req, res) => {
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""));
      const start = m ? Number(m[1]) : 0;
      const body = data.subarray(start);
      res.writeHead(m ? 206 : 200, { "content-length": body.length, ...(m ? { "content-range": `bytes ${start}-${size - 1}/${size}` } : {}) });
      if (served++ === 0) res.write(body.subarray(0, body.length >> 1), () => res.socket?.end()); // one drop, one resume
      else res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`;
    const dl = await timed(() => downloadFile(url, join(dir, "dl.bin"), { expected: { sha256: hash.value.sha256, size }, quiet: true, backoffMs: 1 }));
    server.closeAllConnections();
    server.close();

    const zip = join(dir, "a.zip");
    writeFileSync(zip, zipOf("a.bin", data));
    const unzip = await timed(() => extractArchive(zip, "zip", join(dir, "z")));
    const tgz = join(dir, "a.tar.gz");
    writeFileSync(tgz, zlib.gzipSync(tarOf("a.bin", data)));
    const untar = await timed(() => extractArchive(tgz, "tar.gz", join(dir, "t")));

    const rate = (s: number): number => Math.round((size / 2 ** 20 / s) * 10) / 10;
    return {
      sizeMiB: mib,
      hashMiBps: rate(hash.seconds),
      downloadWithOneResumeMiBps: rate(dl.seconds),
      downloadAttempts: dl.value.attempts,
      unzipMiBps: rate(unzip.seconds),
      untarGzMiBps: rate(untar.seconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
