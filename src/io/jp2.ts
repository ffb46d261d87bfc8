/**
 * JPEG 2000 (Sentinel-2 L1C band files) through OpenJPEG compiled to WebAssembly
 * (`@cornerstonejs/codec-openjpeg`). Decodes JP2 files and raw J2K codestreams, and encodes lossless
 * J2K/JP2 (used by tests to write synthetic SAFE products).
 *
 * The codec signals most failures by printing "[ERROR] …" lines and leaving an empty frame, not by
 * throwing, so each call collects what the codec prints and turns an empty or inconsistent result into
 * a `Jp2Error` that names the file and quotes the codec's message.
 */
import { createRequire } from "node:module";
import { FileError } from "../core/errors";
import { join } from "node:path";
import { projectRoot } from "../core/project";

export type Jp2Samples = Uint8Array | Int8Array | Uint16Array | Int16Array;

export interface Jp2Image {
  width: number;
  height: number;
  /** Bits per sample as coded (12 for a 12-bit product in a 16-bit container). */
  bitsPerSample: number;
  signed: boolean;
  components: number;
  /** Row-major samples, components interleaved; 16-bit images come as (U)Int16Array. */
  data: Jp2Samples;
}

/** A JPEG 2000 file is unreadable or wrong (a FileError, kept as its own type for `instanceof`). */
export class Jp2Error extends FileError {}

// ---------------------------------------------------------------- the WASM module

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform?: boolean;
}

interface Decoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

interface Encoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  setDecompositions(n: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

interface OpenJpegModule {
  J2KDecoder: new () => Decoder;
  J2KEncoder: new () => Encoder;
}

type ModuleFactory = (opts: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<OpenJpegModule>;

/** What the codec printed during the current call (it has no other error channel). */
let messages: string[] = [];
let loaded: Promise<OpenJpegModule> | undefined;

function openjpeg(): Promise<OpenJpegModule> {
  loaded ??= (async () => {
    // A CommonJS package without types; required from the project root so tslab, tsx and vitest agree.
    const req = createRequire(join(projectRoot(), "package.json"));
    const factory = req("@cornerstonejs/codec-openjpeg/wasmjs") as ModuleFactory;
    const sink = (s: string): void => void messages.push(s);
    return factory({ print: sink, printErr: sink });
  })();
  return loaded;
}

function codecErrors(): string {
  const errs = messages.filter((m) => /\[ERROR\]|error/i.test(m)).map((m) => m.replace(/^\[ERROR\]\s*/, "").trim());
  return errs.length ? errs.join("; ") : "no message from the codec";
}

/** Emscripten reports C++ exceptions as bare numbers (pointers); keep only what a person can read. */
function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "number" ? "the codec aborted" : String(e);
}

// ---------------------------------------------------------------- decoding

/** Decodes a JP2 file or J2K codestream; `file` names the source in errors. */
export async function decodeJp2(bytes: Uint8Array, file: string): Promise<Jp2Image> {
  if (bytes.length < 16) throw new Jp2Error(file, `only ${bytes.length} bytes: not a JPEG 2000 file (truncated or empty)`);
  if (!isJp2(bytes) && !isJ2k(bytes)) {
    throw new Jp2Error(file, "not a JPEG 2000 file (neither the JP2 signature box nor a J2K codestream marker at the start)");
  }
  const m = await openjpeg();
  messages = [];
  const dec = new m.J2KDecoder();
  try {
    try {
      dec.getEncodedBuffer(bytes.length).set(bytes);
      dec.decode();
    } catch (e) {
      throw new Jp2Error(file, `cannot decode (${describeThrown(e)}; ${codecErrors()})`);
    }
    const info = dec.getFrameInfo();
    if (!(info.width > 0 && info.height > 0 && info.componentCount > 0)) {
      throw new Jp2Error(file, `cannot decode (${codecErrors()})`);
    }
    const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
    const n = info.width * info.height * info.componentCount;
    const out = dec.getDecodedBuffer();
    if (info.bitsPerSample > 16) throw new Jp2Error(file, `${info.bitsPerSample}-bit samples are not supported (at most 16)`);
    if (out.length !== n * bytesPerSample) {
      throw new Jp2Error(file, `decoded ${out.length} bytes, expected ${n * bytesPerSample} for ${info.width}×${info.height}×${info.componentCount} (${codecErrors()})`);
    }
    // Copy out of the WASM heap: the view dies with the decoder.
    const copy = new Uint8Array(out.length);
    copy.set(out);
    const data: Jp2Samples =
      bytesPerSample === 2
        ? info.isSigned
          ? new Int16Array(copy.buffer)
          : new Uint16Array(copy.buffer)
        : info.isSigned
          ? new Int8Array(copy.buffer)
          : copy;
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      signed: info.isSigned,
      components: info.componentCount,
      data,
    };
  } finally {
    dec.delete();
  }
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

function isJp2(b: Uint8Array): boolean {
  return JP2_SIGNATURE.every((v, i) => b[i] === v);
}

function isJ2k(b: Uint8Array): boolean {
  return b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51; // SOC then SIZ
}

// ---------------------------------------------------------------- encoding

export interface Jp2EncodeOptions {
  /** `jp2` wraps the codestream in the JP2 file format (as Sentinel-2 band files are); default `jp2`. */
  container?: "jp2" | "j2k";
  /** Wavelet decomposition levels (default: as many as the image allows, at most 5). */
  decompositions?: number;
}

/** Encodes one single-component 8- or 16-bit image losslessly. */
export async function encodeJp2(
  image: { width: number; height: number; data: Uint8Array | Uint16Array | Int16Array },
  opts: Jp2EncodeOptions = {},
): Promise<Uint8Array> {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`encodeJp2: invalid size ${width}×${height}`);
  }
  if (data.length !== width * height) throw new Error(`encodeJp2: ${data.length} samples, expected ${width}×${height}`);
  const bits = data instanceof Uint8Array ? 8 : 16;
  const signed = data instanceof Int16Array;
  // Each level halves the smallest resolution; OpenJPEG refuses levels that leave less than one pixel.
  const maxLevels = Math.max(0, Math.floor(Math.log2(Math.min(width, height))) - 1);
  const levels = Math.min(opts.decompositions ?? 5, maxLevels);
  const m = await openjpeg();
  messages = [];
  const enc = new m.J2KEncoder();
  try {
    const input = enc.getDecodedBuffer({ width, height, bitsPerSample: bits, componentCount: 1, isSigned: signed, isUsingColorTransform: false });
    input.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    enc.setDecompositions(levels);
    try {
      enc.encode();
    } catch (e) {
      throw new Error(`encodeJp2: ${describeThrown(e)} (${codecErrors()})`);
    }
    const cs = enc.getEncodedBuffer();
    if (cs.length === 0) throw new Error(`encodeJp2: the codec produced nothing (${codecErrors()})`);
    const codestream = new Uint8Array(cs.length);
    codestream.set(cs);
    return (opts.container ?? "jp2") === "jp2" ? wrapJp2(codestream, { width, height, bits, signed }) : codestream;
  } finally {
    enc.delete();
  }
}

/** One box: 4-byte big-endian length, 4-character type, payload (ISO/IEC 15444-1 Annex I). */
function box(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  new DataView(out.buffer).setUint32(0, out.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The minimal JP2 file around a greyscale codestream: signature, file type, header (ihdr, colr), codestream. */
function wrapJp2(codestream: Uint8Array, h: { width: number; height: number; bits: number; signed: boolean }): Uint8Array {
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  const ftyp = new Uint8Array([...ascii("jp2 "), 0, 0, 0, 0, ...ascii("jp2 ")]);
  const ihdr = new Uint8Array(14);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, h.height);
  dv.setUint32(4, h.width);
  dv.setUint16(8, 1); // components
  ihdr[10] = (h.bits - 1) | (h.signed ? 0x80 : 0);
  ihdr[11] = 7; // compression type: JPEG 2000
  ihdr[12] = 0; // colour space known
  ihdr[13] = 0; // no intellectual property box
  const colr = new Uint8Array([1, 0, 0, 0, 0, 0, 17]); // enumerated colour space 17: greyscale
  return concat([new Uint8Array(JP2_SIGNATURE), box("ftyp", ftyp), box("jp2h", concat([box("ihdr", ihdr), box("colr", colr)])), box("jp2c", codestream)]);
}
