/**
 * The steps' products on disk, one HDF5 file each in the output folder, so a run can stop after any
 * step and resume from it (`--dostep`, `--start`, `--end`), and researchers can open every
 * intermediate in h5py. Each file carries STEP_HASH: a hash of the input stack's fingerprint and the
 * parameters of this and every earlier step, so a product is up to date exactly when its hash equals
 * the one the current parameters give. Arrays keep their in-memory types, so a resumed run computes
 * the same numbers as an uninterrupted one.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FileError } from "../core/errors";
import { readH5, writeH5, type H5Dataset } from "../io/hdf5";
import { PS_STEPS, stepParams, type PsParams, type PsStep } from "./params";
import type { Candidates } from "./selection";
import type { FilterProduct, IntegrateProduct, LinkProduct, NetworkProduct, SelectProduct, StackInfo } from "./steps";

/** File of each step's product inside the output folder (outputs: its summary, written last). */
export const PRODUCT_FILES: Readonly<Record<PsStep, string>> = {
  select: "candidates.h5",
  link: "linking.h5",
  network: "network.h5",
  integrate: "integration.h5",
  filter: "filtering.h5",
  outputs: "summary.json",
};

/** Size and modification time of every file under the input (a folder or one file), hashed. */
export function inputFingerprint(path: string): string {
  const h = createHash("sha256");
  const walk = (p: string): void => {
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith(".")) walk(join(p, name));
    } else {
      h.update(`${relative(path, p)}\0${s.size}\0${s.mtimeMs}\n`);
    }
  };
  walk(path);
  return h.digest("hex");
}

/** The hash each step's product must carry under these parameters (chained: a step includes its predecessors). */
export function stepHashes(fingerprint: string, params: PsParams, options: Record<string, unknown> = {}): Record<PsStep, string> {
  const out = {} as Record<PsStep, string>;
  let prev = fingerprint;
  for (const step of PS_STEPS) {
    const opts = step === "select" ? { classicOnly: options.classicOnly === true } : step === "integrate" ? { reference: options.reference ?? null } : {};
    prev = createHash("sha256").update(JSON.stringify({ prev, step, params: stepParams(params, step), opts })).digest("hex").slice(0, 32);
    out[step] = prev;
  }
  return out;
}

/** The STEP_HASH a product file carries, or undefined when it is absent or unreadable. */
export async function productHash(dir: string, step: PsStep): Promise<string | undefined> {
  const file = join(dir, PRODUCT_FILES[step]);
  if (!existsSync(file)) return undefined;
  try {
    if (step === "outputs") {
      const h = (JSON.parse(readFileSync(file, "utf8")) as { stepHash?: unknown }).stepHash;
      return typeof h === "string" ? h : undefined;
    }
    const { attrs } = await readH5(file, []);
    return typeof attrs.STEP_HASH === "string" ? attrs.STEP_HASH : undefined;
  } catch {
    return undefined;
  }
}

function timingsAttr(t: Record<string, number>): string {
  return JSON.stringify(t);
}

function need<T>(file: string, datasets: Record<string, H5Dataset>, name: string, ctor: new (n: number) => T): T {
  const d = datasets[name];
  if (!d || !(d.data instanceof (ctor as unknown as typeof Float64Array))) {
    throw new FileError(file, `dataset "${name}" missing or of the wrong type (${ctor.name} expected)`);
  }
  return d.data as unknown as T;
}

function jsonAttr<T>(file: string, attrs: Record<string, unknown>, name: string): T {
  const v = attrs[name];
  if (typeof v !== "string") throw new FileError(file, `attribute ${name} missing`);
  try {
    return JSON.parse(v) as T;
  } catch {
    throw new FileError(file, `attribute ${name} is not valid JSON`);
  }
}

async function readProduct(dir: string, step: PsStep, hash: string): Promise<{ file: string; attrs: Record<string, unknown>; datasets: Record<string, H5Dataset> }> {
  const file = join(dir, PRODUCT_FILES[step]);
  if (!existsSync(file)) throw new FileError(file, `the ${step} step's product is missing: run that step first (--start ${step})`);
  const r = await readH5(file);
  if (r.attrs.STEP_HASH !== hash) {
    throw new FileError(file, `the ${step} step's product was made from another input or other parameters: re-run it (--start ${step})`);
  }
  return { file, ...r };
}

export async function writeSelectProduct(dir: string, p: SelectProduct, hash: string): Promise<string> {
  const file = join(dir, PRODUCT_FILES.select);
  const c = p.selection.candidates;
  const s = p.selection;
  const { bperp, dates, ...info } = p.info;
  const ds: H5Dataset[] = [
    { name: "row", shape: [c.n], data: c.row },
    { name: "col", shape: [c.n], data: c.col },
    { name: "kind", shape: [c.n], data: c.kind },
    { name: "quality", shape: [c.n], data: c.quality },
    { name: "phase", shape: [c.n, c.K, 2], data: c.phase },
    { name: "longitude", shape: [c.n], data: c.lon },
    { name: "latitude", shape: [c.n], data: c.lat },
    { name: "calibration", shape: [dates.length], data: s.calibration },
    { name: "dispersion", shape: [info.height, info.width], data: s.dispersion },
    { name: "coherence", shape: [s.mlHeight, s.mlWidth], data: s.coherence },
    { name: "pairs", shape: [s.pairs.length, 2], data: Int32Array.from(s.pairs.flat()) },
    { name: "date", shape: [dates.length], data: dates.map((d) => d.replaceAll("-", "")) },
    { name: "bperp", shape: [dates.length], data: bperp },
  ];
  await writeH5(file, ds, {
    STEP_HASH: hash,
    FILE_TYPE: "ps-candidates",
    INFO: JSON.stringify(info),
    COUNTS: JSON.stringify(s.counts),
    CLASSIC_ONLY: p.classicOnly ? 1 : 0,
    TIMINGS: timingsAttr(p.timings),
  });
  return file;
}

export async function readSelectProduct(dir: string, hash: string): Promise<SelectProduct> {
  const { file, attrs, datasets: d } = await readProduct(dir, "select", hash);
  const info = jsonAttr<Omit<StackInfo, "dates" | "bperp">>(file, attrs, "INFO");
  const dates = (d.date?.data as string[]).map((x) => `${x.slice(0, 4)}-${x.slice(4, 6)}-${x.slice(6, 8)}`);
  const phase0 = need(file, d, "phase", Float32Array);
  // The arc search shares the phasors with its worker threads.
  const phase = new Float32Array(new SharedArrayBuffer(phase0.byteLength));
  phase.set(phase0);
  const row = need(file, d, "row", Int32Array);
  const candidates: Candidates = {
    n: row.length,
    K: dates.length,
    row,
    col: need(file, d, "col", Int32Array),
    kind: need(file, d, "kind", Uint8Array),
    quality: need(file, d, "quality", Float32Array),
    phase,
    lon: need(file, d, "longitude", Float64Array),
    lat: need(file, d, "latitude", Float64Array),
  };
  const pairsFlat = need(file, d, "pairs", Int32Array);
  const coherence = d.coherence;
  return {
    info: { ...info, dates, bperp: need(file, d, "bperp", Float64Array) },
    classicOnly: attrs.CLASSIC_ONLY === 1,
    selection: {
      candidates,
      counts: jsonAttr(file, attrs, "COUNTS"),
      calibration: need(file, d, "calibration", Float64Array),
      dispersion: need(file, d, "dispersion", Float32Array),
      coherence: need(file, d, "coherence", Float32Array),
      mlHeight: coherence.shape[0],
      mlWidth: coherence.shape[1],
      pairs: Array.from({ length: pairsFlat.length / 2 }, (_, q) => [pairsFlat[2 * q], pairsFlat[2 * q + 1]] as [number, number]),
    },
    timings: jsonAttr(file, attrs, "TIMINGS"),
  };
}

/**
 * The linked phases are written only where linking changed them (tier 2 or "emi" cells); the reader
 * takes every other candidate's phase from the select product, so the file stays small for classic runs.
 */
export async function writeLinkProduct(dir: string, p: LinkProduct, hash: string): Promise<string> {
  const file = join(dir, PRODUCT_FILES.link);
  const n = p.tier.length;
  const K = p.phase.length / (2 * n);
  const changed = Int32Array.from(Array.from({ length: n }, (_, c) => c).filter((c) => p.linked[c] === 1 || p.tier[c] === 2));
  const phase = new Float32Array(changed.length * K * 2);
  changed.forEach((c, q) => phase.set(p.phase.subarray(c * K * 2, (c + 1) * K * 2), q * K * 2));
  await writeH5(
    file,
    [
      { name: "tier", shape: [n], data: p.tier },
      { name: "linking", shape: [n], data: p.linking },
      { name: "looks", shape: [n], data: p.looks },
      { name: "linked", shape: [n], data: p.linked },
      { name: "changed", shape: [changed.length], data: changed },
      { name: "phase", shape: [changed.length, K, 2], data: phase },
    ],
    { STEP_HASH: hash, FILE_TYPE: "ps-linking", TIMINGS: timingsAttr(p.timings) },
  );
  return file;
}

export async function readLinkProduct(dir: string, hash: string, sel: SelectProduct): Promise<LinkProduct> {
  const { file, attrs, datasets: d } = await readProduct(dir, "link", hash);
  const cand = sel.selection.candidates;
  const K = cand.K;
  const tier = need(file, d, "tier", Uint8Array);
  if (tier.length !== cand.n) throw new FileError(file, `${tier.length} candidates, the select product has ${cand.n}`);
  const changed = need(file, d, "changed", Int32Array);
  const linkedPhase = need(file, d, "phase", Float32Array);
  let phase = cand.phase;
  if (changed.length > 0) {
    phase = new Float32Array(new SharedArrayBuffer(cand.phase.byteLength));
    phase.set(cand.phase);
    changed.forEach((c, q) => phase.set(linkedPhase.subarray(q * K * 2, (q + 1) * K * 2), c * K * 2));
  }
  return {
    phase,
    tier,
    linking: need(file, d, "linking", Float64Array),
    looks: need(file, d, "looks", Int32Array),
    linked: need(file, d, "linked", Uint8Array),
    timings: jsonAttr(file, attrs, "TIMINGS"),
  };
}

export async function writeNetworkProduct(dir: string, p: NetworkProduct, hash: string): Promise<string> {
  const file = join(dir, PRODUCT_FILES.network);
  const n = p.x.length;
  const m = p.arcI.length;
  await writeH5(
    file,
    [
      { name: "x", shape: [n], data: p.x, attrs: { UNIT: "m" } },
      { name: "y", shape: [n], data: p.y, attrs: { UNIT: "m" } },
      { name: "arc_i", shape: [m], data: p.arcI },
      { name: "arc_j", shape: [m], data: p.arcJ },
      { name: "dv", shape: [m], data: p.dv, attrs: { UNIT: "mm/year" } },
      { name: "dz", shape: [m], data: p.dz, attrs: { UNIT: "m" } },
      { name: "gamma", shape: [m], data: p.gamma },
    ],
    { STEP_HASH: hash, FILE_TYPE: "ps-network", EPSG: p.epsg, ARCS_PER_SECOND: p.arcsPerSecond, TIMINGS: timingsAttr(p.timings) },
  );
  return file;
}

export async function readNetworkProduct(dir: string, hash: string): Promise<NetworkProduct> {
  const { file, attrs, datasets: d } = await readProduct(dir, "network", hash);
  return {
    x: need(file, d, "x", Float64Array),
    y: need(file, d, "y", Float64Array),
    epsg: Number(attrs.EPSG),
    arcI: need(file, d, "arc_i", Int32Array),
    arcJ: need(file, d, "arc_j", Int32Array),
    dv: need(file, d, "dv", Float64Array),
    dz: need(file, d, "dz", Float64Array),
    gamma: need(file, d, "gamma", Float64Array),
    arcsPerSecond: Number(attrs.ARCS_PER_SECOND),
    timings: jsonAttr(file, attrs, "TIMINGS"),
  };
}

export async function writeIntegrateProduct(dir: string, p: IntegrateProduct, hash: string): Promise<string> {
  const file = join(dir, PRODUCT_FILES.integrate);
  const n = p.velocity.length;
  const m = p.arcKept.length;
  await writeH5(
    file,
    [
      { name: "velocity", shape: [n], data: p.velocity, attrs: { UNIT: "mm/year" } },
      { name: "demError", shape: [n], data: p.demError, attrs: { UNIT: "m" } },
      { name: "connected", shape: [n], data: p.connected },
      { name: "arcKept", shape: [m], data: p.arcKept },
      { name: "arcWeight", shape: [m], data: p.arcWeight },
    ],
    {
      STEP_HASH: hash,
      FILE_TYPE: "ps-integration",
      REF_INDEX: p.reference,
      ARCS_LOW_COHERENCE: p.arcsLowCoherence,
      ARCS_REMOVED_INCONSISTENT: p.arcsRemovedInconsistent,
      OTHER_COMPONENTS: JSON.stringify(p.otherComponents),
      TIMINGS: timingsAttr(p.timings),
    },
  );
  return file;
}

export async function readIntegrateProduct(dir: string, hash: string): Promise<IntegrateProduct> {
  const { file, attrs, datasets: d } = await readProduct(dir, "integrate", hash);
  return {
    velocity: need(file, d, "velocity", Float64Array),
    demError: need(file, d, "demError", Float64Array),
    connected: need(file, d, "connected", Uint8Array),
    arcKept: need(file, d, "arcKept", Uint8Array),
    arcWeight: need(file, d, "arcWeight", Float64Array),
    reference: Number(attrs.REF_INDEX),
    arcsLowCoherence: Number(attrs.ARCS_LOW_COHERENCE),
    arcsRemovedInconsistent: Number(attrs.ARCS_REMOVED_INCONSISTENT),
    otherComponents: jsonAttr(file, attrs, "OTHER_COMPONENTS"),
    timings: jsonAttr(file, attrs, "TIMINGS"),
  };
}

export async function writeFilterProduct(dir: string, p: FilterProduct, K: number, hash: string): Promise<string> {
  const file = join(dir, PRODUCT_FILES.filter);
  const n = p.noise.length / K;
  await writeH5(
    file,
    [
      { name: "nonlinear", shape: [n, K], data: p.nonlinear, attrs: { UNIT: "radian" } },
      { name: "noise", shape: [n, K], data: p.noise, attrs: { UNIT: "radian" } },
      { name: "velocityStd", shape: [n], data: p.sigma, attrs: { UNIT: "mm/year" } },
      { name: "velocityStdNoise", shape: [n], data: p.noiseSigma, attrs: { UNIT: "mm/year" } },
    ],
    { STEP_HASH: hash, FILE_TYPE: "ps-filtering", TIMINGS: timingsAttr(p.timings) },
  );
  return file;
}

export async function readFilterProduct(dir: string, hash: string): Promise<FilterProduct> {
  const { file, attrs, datasets: d } = await readProduct(dir, "filter", hash);
  return {
    nonlinear: need(file, d, "nonlinear", Float64Array),
    noise: need(file, d, "noise", Float64Array),
    sigma: need(file, d, "velocityStd", Float64Array),
    noiseSigma: need(file, d, "velocityStdNoise", Float64Array),
    timings: jsonAttr(file, attrs, "TIMINGS"),
  };
}
