/**
 * Unpacks zip and tar(.gz) archives with Node's zlib and two small readers, streaming so multi-GB
 * Landslide4Sense or Sentinel archives never sit in memory. Safety first: an entry whose path would
 * land outside the target folder (zip-slip: `..`, absolute paths, drive letters), a symbolic or hard
 * link, a device or an encrypted entry is refused before anything of it is written; so are two
 * entries landing on one path (which copy is right cannot be told), entries named like the fetcher's
 * own records (`.dlab-*`) and entries that would replace a file the fetcher manages. Each file is
 * written to a temporary name, checked (zip CRC-32 and size) and renamed into place.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import type { ArchiveFormat } from "./manifest";

export interface ExtractOptions {
  /** Leading path components to drop from each entry. */
  strip?: number;
  /** Globs on the (stripped) entry path; only matching files are written. */
  include?: string[];
  /**
   * Paths (relative to the target, forward slashes) no entry may land on: the files the fetcher
   * itself manages there (other manifest files, the pinned product list).
   */
  reserved?: string[];
}

export interface ExtractedFile {
  /** Path relative to the target folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export class UnsafeArchiveError extends Error {
  constructor(archive: string, entry: string, why: string) {
    super(`Refusing to unpack ${archive}: entry ${JSON.stringify(entry)} ${why}`);
    this.name = "UnsafeArchiveError";
  }
}

/** `*` matches within one path component, `**` across components, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Where an entry lands, or null when `strip` removes all of it. Throws for any name that could
 * escape `target`.
 */
export function safeEntryPath(archive: string, target: string, name: string, strip = 0): { rel: string; abs: string } | null {
  if (name.includes("\0")) throw new UnsafeArchiveError(archive, name, "contains a NUL byte");
  if (name.includes("\\")) throw new UnsafeArchiveError(archive, name, "contains a backslash (a Windows path that may escape the target)");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw new UnsafeArchiveError(archive, name, "is an absolute path");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnsafeArchiveError(archive, name, "climbs out of the target folder with '..'");
  const kept = parts.slice(strip);
  if (kept.length === 0) return null;
  const root = resolve(target);
  const abs = resolve(root, ...kept);
  if (!abs.startsWith(root + sep)) throw new UnsafeArchiveError(archive, name, "resolves outside the target folder");
  return { rel: kept.join("/"), abs };
}

/** The fetcher's own records (`.dlab-state.json`, `.dlab-fetch.lock`, `.dlab-sample.json`) all start so. */
const OWN_RECORD_PREFIX = ".dlab-";

/**
 * Where the entries of one archive land, so that two entries on one path, or a file where another
 * entry needs a folder, are refused instead of the later one silently winning (or a rename failing
 * half-way through moving the files into place).
 */
export class EntryPaths {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>();
  constructor(
    private readonly archive: string,
    private readonly reserved: ReadonlySet<string> = new Set(),
  ) {}

  claim(name: string, rel: string): void {
    const parts = rel.split("/");
    const own = parts.find((p) => p.startsWith(OWN_RECORD_PREFIX));
    if (own) throw new UnsafeArchiveError(this.archive, name, `is named like the fetcher's own records (${own}); unpacking it would overwrite or forge them`);
    if (this.reserved.has(rel)) throw new UnsafeArchiveError(this.archive, name, `would replace ${rel}, a file the fetcher manages in this dataset`);
    const earlier = this.files.get(rel);
    if (earlier !== undefined) {
      const as = earlier === name ? "appears twice" : `lands on ${JSON.stringify(rel)} like entry ${JSON.stringify(earlier)}`;
      throw new UnsafeArchiveError(this.archive, name, `${as}; which copy is right cannot be told`);
    }
    if (this.dirs.has(rel)) throw new UnsafeArchiveError(this.archive, name, `is a file where other entries have a folder ${JSON.stringify(rel)}`);
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (this.files.has(dir)) throw new UnsafeArchiveError(this.archive, name, `needs a folder ${JSON.stringify(dir)} where entry ${JSON.stringify(this.files.get(dir))} is a file`);
      this.dirs.add(dir);
    }
    this.files.set(rel, name);
  }
}

function wanted(rel: string, include?: RegExp[]): boolean {
  return !include || include.some((r) => r.test(rel));
}

/** Writes a stream to `abs` through a temp name, hashing as it goes; `check` runs before the rename. */
async function writeEntry(
  src: Readable,
  abs: string,
  check?: (size: number, crc: number) => void,
): Promise<{ size: number; sha256: string }> {
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = `${abs}.unpack-${process.pid}`;
  const sha = createHash("sha256");
  let size = 0;
  let crc = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sha.update(chunk);
      crc = zlib.crc32(chunk, crc);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(src, tap, createWriteStream(tmp));
    check?.(size, crc >>> 0);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { size, sha256: sha.digest("hex") };
}

// ------------------------------------------------------------------ zip

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compSize: number;
  size: number;
  localOffset: number;
  isDir: boolean;
  isLink: boolean;
  unixType: number;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const n = readSync(fd, b, off, len - off, pos + off);
    if (n === 0) break;
    off += n;
  }
  return b.subarray(0, off);
}

function u64(b: Buffer, at: number): number {
  return Number(b.readBigUInt64LE(at));
}

/** Reads the central directory (zip64 aware). */
export function listZip(file: string): ZipEntry[] {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const tailLen = Math.min(size, 22 + 65535 + 20);
    const tail = readAt(fd, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file} is not a zip archive (no end-of-central-directory record); the download may be truncated`);
    let total = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) throw new Error(`${file}: zip64 locator missing`);
      const z64 = readAt(fd, u64(tail, loc + 8), 56);
      if (z64.readUInt32LE(0) !== 0x06064b50) throw new Error(`${file}: zip64 end record missing`);
      total = u64(z64, 32);
      cdSize = u64(z64, 40);
      cdOffset = u64(z64, 48);
    }
    const cd = readAt(fd, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < total; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory at entry ${i}`);
      const madeBy = cd.readUInt16LE(p + 4) >> 8;
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compSize = cd.readUInt32LE(p + 20);
      let uSize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const ext = cd.readUInt32LE(p + 38);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString(flags & 0x800 ? "utf8" : "latin1", p + 46, p + 46 + nameLen);
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      for (let e = 0; e + 4 <= extra.length; ) {
        const id = extra.readUInt16LE(e);
        const len = extra.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (uSize === 0xffffffff) (uSize = u64(extra, q)), (q += 8);
          if (compSize === 0xffffffff) (compSize = u64(extra, q)), (q += 8);
          if (localOffset === 0xffffffff) localOffset = u64(extra, q);
        }
        e += 4 + len;
      }
      const unixType = madeBy === 3 ? (ext >>> 16) & 0o170000 : 0;
      entries.push({
        name, method, flags, crc, compSize, size: uSize, localOffset,
        isDir: name.endsWith("/") || unixType === 0o040000,
        isLink: unixType === 0o120000,
        unixType,
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of one zip entry (stored or deflated), checked against its size and CRC-32: for reading a
 * few files of a multi-GB archive (a Sentinel-2 SAFE zip) without unpacking it.
 */
export function readZipEntry(file: string, entry: ZipEntry): Buffer {
  if (entry.flags & 1) throw new UnsafeArchiveError(file, entry.name, "is encrypted");
  if (entry.method !== 0 && entry.method !== 8) {
    throw new Error(`${file}: entry ${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`);
  }
  const fd = openSync(file, "r");
  let raw: Buffer;
  try {
    const lh = readAt(fd, entry.localOffset, 30);
    if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file}: bad local header for ${entry.name}`);
    const start = entry.localOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
    raw = readAt(fd, start, entry.compSize);
  } finally {
    closeSync(fd);
  }
  if (raw.length !== entry.compSize) throw new Error(`${file}: entry ${entry.name} is cut short (truncated archive)`);
  let data: Buffer;
  try {
    data = entry.method === 8 ? zlib.inflateRawSync(raw) : raw;
  } catch (e) {
    throw new Error(`${file}: cannot inflate entry ${entry.name} (${(e as Error).message}; corrupt archive)`);
  }
  if (data.length !== entry.size) throw new Error(`${file}: entry ${entry.name} unpacked to ${data.length} bytes, expected ${entry.size} (corrupt archive)`);
  if (zlib.crc32(data) >>> 0 !== entry.crc >>> 0) throw new Error(`${file}: CRC-32 mismatch in entry ${entry.name} (corrupt archive)`);
  return data;
}

export interface ZipPlanEntry {
  e: ZipEntry;
  rel: string;
  abs: string;
}

/**
 * Checks every entry of a zip and says where each file lands, writing nothing: the central directory
 * lists the whole archive up front, so a hostile archive is refused before anything exists on disk.
 */
export function planZip(file: string, target: string, opts: ExtractOptions = {}): ZipPlanEntry[] {
  const include = opts.include?.map(globToRegExp);
  const paths = new EntryPaths(file, new Set(opts.reserved ?? []));
  const plan: ZipPlanEntry[] = [];
  for (const e of listZip(file)) {
    const dest = safeEntryPath(file, target, e.name, opts.strip);
    if (e.isLink) throw new UnsafeArchiveError(file, e.name, "is a symbolic link");
    if (e.unixType !== 0 && !e.isDir && e.unixType !== 0o100000) throw new UnsafeArchiveError(file, e.name, "is not a regular file");
    if (e.flags & 1) throw new UnsafeArchiveError(file, e.name, "is encrypted");
    if (e.method !== 0 && e.method !== 8) throw new Error(`${file}: entry ${e.name} uses compression method ${e.method} (only stored and deflate are supported)`);
    if (!dest || e.isDir || !wanted(dest.rel, include)) continue;
    paths.claim(e.name, dest.rel);
    plan.push({ e, ...dest });
  }
  return plan;
}

export async function extractZip(file: string, target: string, opts: ExtractOptions = {}): Promise<ExtractedFile[]> {
  return writeZipPlan(file, planZip(file, target, opts));
}

async function writeZipPlan(file: string, plan: ZipPlanEntry[]): Promise<ExtractedFile[]> {
  const out: ExtractedFile[] = [];
  const fd = openSync(file, "r");
  let dataStarts: number[];
  try {
    dataStarts = plan.map(({ e }) => {
      const lh = readAt(fd, e.localOffset, 30);
      if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file}: bad local header for ${e.name}`);
      return e.localOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
    });
  } finally {
    closeSync(fd);
  }
  for (let i = 0; i < plan.length; i++) {
    const { e, rel, abs } = plan[i];
    const raw: Readable =
      e.compSize === 0 ? Readable.from([]) : createReadStream(file, { start: dataStarts[i], end: dataStarts[i] + e.compSize - 1 });
    const src = e.method === 8 ? raw.pipe(zlib.createInflateRaw()) : raw;
    const r = await writeEntry(src, abs, (size, crc) => {
      if (size !== e.size) throw new Error(`${file}: entry ${e.name} unpacked to ${size} bytes, expected ${e.size} (corrupt archive)`);
      if (crc !== e.crc) throw new Error(`${file}: CRC-32 mismatch in entry ${e.name} (corrupt archive)`);
    });
    out.push({ path: rel, ...r });
  }
  return out;
}

// ------------------------------------------------------------------ tar

function tarString(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

function tarNumber(b: Buffer, at: number, len: number): number {
  if (b[at] & 0x80) {
    // GNU base-256 for sizes of 8 GiB and more.
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + b[at + i];
    return v;
  }
  const s = tarString(b, at, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  const buf = Buffer.from(text, "utf8");
  while (p < buf.length) {
    const sp = buf.indexOf(0x20, p);
    if (sp < 0) break;
    const len = parseInt(buf.toString("utf8", p, sp), 10);
    if (!(len > 0)) break;
    const rec = buf.toString("utf8", sp + 1, p + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    p += len;
  }
  return out;
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(src: AsyncIterable<Buffer>) {
    this.it = src[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    return this.buf.length >= n;
  }
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** Streams the next `n` bytes as chunks. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill(1))) throw new Error("archive ends in the middle of an entry (truncated)");
      const take = Math.min(left, this.buf.length);
      yield this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
    }
  }
  async skip(n: number): Promise<void> {
    for await (const _ of this.chunks(n)) void _;
  }
}

export async function extractTar(file: string, target: string, opts: ExtractOptions & { gzip?: boolean } = {}): Promise<ExtractedFile[]> {
  const include = opts.include?.map(globToRegExp);
  // A tar is read as a stream, so its entries are checked one by one; extractArchive unpacks into a
  // staging folder, so a refusal late in the archive still leaves nothing in place.
  const paths = new EntryPaths(file, new Set(opts.reserved ?? []));
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const src: Readable = opts.gzip ? raw.pipe(zlib.createGunzip()) : raw;
  // Surface gunzip errors (corrupt .gz) through the reader instead of as unhandled events.
  raw.on("error", (e) => src.destroy(e));
  const r = new ByteReader(src as AsyncIterable<Buffer>);
  const out: ExtractedFile[] = [];
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const h = await r.read(512);
    if (!h) throw new Error(`${file}: archive ends without the end-of-archive blocks (truncated)`);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== tarNumber(h, 148, 8)) throw new Error(`${file}: bad tar header checksum (corrupt or not a tar archive)`);
    const type = String.fromCharCode(h[156] || 48);
    const size = pax.size !== undefined ? Number(pax.size) : tarNumber(h, 124, 12);
    const padded = Math.ceil(size / 512) * 512;
    const prefix = tarString(h, 257, 6) === "ustar" ? tarString(h, 345, 155) : "";
    let name = pax.path ?? longName ?? (prefix ? `${prefix}/${tarString(h, 0, 100)}` : tarString(h, 0, 100));
    if (type === "x" || type === "L" || type === "K" || type === "g") {
      const body = Buffer.concat(await collect(r.chunks(size)));
      await r.skip(padded - size);
      if (type === "x") pax = parsePax(body.toString("utf8"));
      else if (type === "L") longName = tarString(body, 0, body.length);
      continue;
    }
    longName = undefined;
    pax = {};
    name = name.replace(/^\.\//, "");
    const dest = safeEntryPath(file, target, name, opts.strip);
    if (type === "1" || type === "2") throw new UnsafeArchiveError(file, name, type === "2" ? "is a symbolic link" : "is a hard link");
    if (type === "5") {
      await r.skip(padded);
      continue;
    }
    if (type !== "0" && type !== "7") throw new UnsafeArchiveError(file, name, `is not a regular file (tar type ${type})`);
    if (!dest || !wanted(dest.rel, include)) {
      await r.skip(padded);
      continue;
    }
    paths.claim(name, dest.rel);
    const res = await writeEntry(toReadable(r.chunks(size)), dest.abs);
    await r.skip(padded - size);
    out.push({ path: dest.rel, ...res });
  }
  raw.destroy();
  return out;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return parts;
}

function toReadable(it: AsyncIterable<Buffer>): Readable {
  return Readable.from(it, { objectMode: false });
}

/**
 * Unpacks by format; returns the files written (relative to `target`). Entries are unpacked into a
 * staging folder inside `target` and moved into place only when the whole archive unpacked cleanly,
 * so a hostile or corrupt archive (a tar's bad entry may come after good ones) leaves nothing behind.
 */
export async function extractArchive(file: string, format: ArchiveFormat, target: string, opts: ExtractOptions = {}): Promise<ExtractedFile[]> {
  const root = resolve(target);
  const stage = join(root, `.unpack-${process.pid}-${Date.now().toString(36)}`);
  let zipPlan: ZipPlanEntry[] | undefined;
  try {
    // Planned before the staging folder exists, so a refused zip creates nothing at all.
    if (format === "zip") zipPlan = planZip(file, stage, opts);
  } catch (e) {
    throw namingArchive(e, file, format);
  }
  mkdirSync(stage, { recursive: true });
  try {
    const files = zipPlan ? await writeZipPlan(file, zipPlan) : await extractTar(file, stage, { ...opts, gzip: format === "tar.gz" });
    for (const f of files) {
      const dest = resolve(root, ...f.path.split("/"));
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(join(stage, ...f.path.split("/")), dest);
    }
    return files;
  } catch (e) {
    throw namingArchive(e, file, format);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** zlib and fs errors do not say which archive they came from. */
function namingArchive(e: unknown, file: string, format: ArchiveFormat): Error {
  const err = e as Error;
  if (err instanceof UnsafeArchiveError || err.message.includes(file)) return err;
  return new Error(`Cannot unpack ${file} (${format}): ${err.message}`);
}
