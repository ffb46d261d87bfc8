/**
 * `npm run bench -- scale [--sizes=500,1000] [--dates=51] [--mintpy=auto|no] [--mintpy-max=1000] [--read-files=20] [--clean]`
 *
 * The papers' scale on one machine. Two parts:
 *  - read: 20 HyP3-like GeoTIFFs (2314×718 float32, LZW, 256² tiles — the real HyP3 sample's layout)
 *    read by readRaster (fast block decoder), by geotiff.js alone, and by GDAL (python ReadAsArray and
 *    gdal_translate to raw), when GDAL is installed;
 *  - sbas: per size N, a synthetic N×N ifgramStack.h5 (each date paired with its 3 successors: 147
 *    interferograms for 51 dates) written block by block, then `npm run sbas` read → velocity in a child
 *    process under /usr/bin/time -v (wall time, peak RSS, throughput), and — where /usr/bin/python3 has
 *    MintPy and N ≤ --mintpy-max — MintPy's ifgram_inversion.py + timeseries2velocity.py on the same file,
 *    with the wall-time ratio.
 * Generated inputs are cached under $TMPDIR/dlab-scale-cache (reused across runs); --clean removes it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/core/project";
import { mulberry32 } from "../src/core/random";
import { H5ChunkedWriter } from "../src/io/hdf5-stream";
import { readRaster, writeRaster } from "../src/io/raster";
import { tbaseYears } from "../src/sbas/dates";
import { arg } from "./lib/util";

const CACHE = join(tmpdir(), "dlab-scale-cache");
const PY = "/usr/bin/python3";
const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

interface Timed {
  wallSeconds: number;
  maxRssMiB: number;
  ok: boolean;
  tail?: string;
}

/** Runs a command under /usr/bin/time -v: wall time and the child's peak resident set. */
function timed(cmd: string, args: string[], cwd: string): Timed {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, DLAB_QUIET: "1" } });
  const err = r.stderr ?? "";
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  return {
    wallSeconds: wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN,
    maxRssMiB: rss ? Math.round(Number(rss[1]) / 1024) : NaN,
    ok: r.status === 0,
    ...(r.status === 0 ? {} : { tail: (r.stdout + err).split("\tCommand being timed")[0].slice(-600) }),
  };
}

function network(nDates: number): { dates: string[]; pairs: [number, number][] } {
  const dates: string[] = [];
  for (let i = 0; i < nDates; i++) dates.push(new Date(Date.UTC(2020, 0, 6) + i * 12 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ""));
  const pairs: [number, number][] = [];
  for (let i = 0; i < nDates; i++) for (let j = i + 1; j <= Math.min(nDates - 1, i + 3); j++) pairs.push([i, j]);
  return { dates, pairs };
}

/** Synthetic stack: smooth velocity field, noise growing as coherence drops, written row block by row block. */
async function makeStack(file: string, n: number, nDates: number): Promise<{ pairs: number; seconds: number }> {
  const { dates, pairs } = network(nDates);
  if (existsSync(file)) return { pairs: pairs.length, seconds: 0 };
  const t0 = performance.now();
  const t = tbaseYears(dates);
  const m = pairs.length;
  const wavelength = 0.05546576;
  const attrs = {
    FILE_TYPE: "ifgramStack", WAVELENGTH: String(wavelength), WIDTH: String(n), LENGTH: String(n), UNIT: "radian",
    REF_Y: String(n >> 1), REF_X: String(n >> 1), PROCESSOR: "isce", PLATFORM: "Sen", ORBIT_DIRECTION: "ASCENDING",
    X_FIRST: "110.0", Y_FIRST: "31.0", X_STEP: "0.0008", Y_STEP: "-0.0008", X_UNIT: "degrees", Y_UNIT: "degrees",
    CENTER_LINE_UTC: "36000", STARTING_RANGE: "800000", RANGE_PIXEL_SIZE: "2.3", HEIGHT: "693000", EARTH_RADIUS: "6371000",
  };
  const w = await H5ChunkedWriter.create(file, attrs, { totalBytes: 2 * m * n * n * 4, label: `writing ${n}² stack` });
  try {
    w.writeWhole({ name: "date", shape: [m, 2], data: pairs.flatMap(([i, j]) => [dates[i], dates[j]]) });
    const rand = mulberry32(7);
    w.writeWhole({ name: "bperp", shape: [m], data: Float32Array.from(pairs, () => (rand() - 0.5) * 200) });
    w.create({ name: "unwrapPhase", shape: [m, n, n], chunks: [1, Math.min(n, 128), Math.min(n, 128)], attrs: { UNIT: "radian" } });
    w.create({ name: "coherence", shape: [m, n, n], chunks: [1, Math.min(n, 128), Math.min(n, 128)], attrs: { UNIT: "1" } });
    const rows = Math.max(1, Math.floor((64 << 20) / (n * 4 * m)));
    for (let r0 = 0; r0 < n; r0 += rows) {
      const h = Math.min(rows, n - r0);
      const vel = Float32Array.from({ length: h * n }, (_, p) => 40 * Math.sin((r0 + Math.floor(p / n)) / 97) * Math.cos((p % n) / 83)); // rad/yr
      for (let k = 0; k < m; k++) {
        const [i, j] = pairs[k];
        const ph = new Float32Array(h * n);
        const co = new Float32Array(h * n);
        for (let p = 0; p < h * n; p++) {
          const c = 0.3 + 0.65 * rand();
          co[p] = c;
          ph[p] = vel[p] * (t[j] - t[i]) + (rand() - 0.5) * 0.4 * (1 - c) + 1e-4;
        }
        w.write("unwrapPhase", [k, r0, 0], [1, h, n], ph);
        w.write("coherence", [k, r0, 0], [1, h, n], co);
      }
    }
    w.close();
    // MintPy indexes with dropIfgram as a boolean mask and h5wasm cannot write HDF5 booleans: h5py adds it.
    const py = spawnSync(PY, ["-c", "import sys,h5py,numpy as np\nf=h5py.File(sys.argv[1],'r+'); f.create_dataset('dropIfgram', data=np.ones(int(sys.argv[2]), dtype=np.bool_))", file, String(m)]);
    if (py.status !== 0) process.stderr.write("scale: h5py missing, the stack has no dropIfgram (MintPy will refuse it)\n");
  } catch (e) {
    w.abort();
    throw e;
  }
  return { pairs: m, seconds: (performance.now() - t0) / 1000 };
}

async function readPart(nFiles: number): Promise<object> {
  const dir = join(CACHE, "hyp3-like");
  mkdirSync(dir, { recursive: true });
  const W = 2314;
  const H = 718;
  const gdal = has("gdal_translate", ["--version"]);
  if (!gdal) return { skipped: "gdal-bin not installed: no LZW writer to build HyP3-like files and no reference reader" };
  const files: string[] = [];
  for (let k = 0; k < nFiles; k++) {
    const f = join(dir, `S1AA_2020${String(k).padStart(4, "0")}_unw_phase.tif`);
    if (!existsSync(f)) {
      const rand = mulberry32(k);
      const b = Float32Array.from({ length: W * H }, (_, i) => Math.sin((i % W) / 50 + k) * 5 + Math.floor(i / W) * 0.01 + (rand() - 0.5) * 0.3);
      const raw = join(dir, `raw_${k}.tif`);
      writeRaster(raw, { width: W, height: H, bands: [b], epsg: 32602, transform: { originX: 4e5, originY: 7e6, pixelWidth: 80, pixelHeight: -80 } });
      execFileSync("gdal_translate", ["-q", "-co", "TILED=YES", "-co", "COMPRESS=LZW", raw, f]);
      rmSync(raw);
    }
    files.push(f);
  }
  // Shared 2-core machine: best of 3 passes (wall) and the CPU seconds of that pass, for us and GDAL alike.
  const best = async (passes: number, fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> => {
    let out = { wall: Infinity, cpu: Infinity };
    for (let p = 0; p < passes; p++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      if (wall < out.wall) out = { wall, cpu: (c.user + c.system) / 1e6 };
    }
    return out;
  };
  const ours = await best(3, async () => {
    for (const f of files) await readRaster(f);
  });
  const { fromFile } = await import("geotiff");
  const geotiffJs = await best(1, async () => {
    for (const f of files) {
      const t = await fromFile(f);
      await (await t.getImage()).readRasters({ interleave: false });
      await t.close();
    }
  });
  const r2 = (v: number): number => Math.round(v * 100) / 100;
  const out: Record<string, unknown> = {
    files: nFiles,
    width: W,
    height: H,
    layout: "float32, LZW, 256x256 tiles",
    passes: "ours and GDAL python: best of 3; geotiff.js: 1",
    oursSeconds: r2(ours.wall),
    oursCpuSeconds: r2(ours.cpu),
    geotiffJsSeconds: r2(geotiffJs.wall),
    geotiffJsCpuSeconds: r2(geotiffJs.cpu),
  };
  const py = spawnSync(
    PY,
    ["-c", "import sys,time\nfrom osgeo import gdal\nb=(1e9,0)\nfor p in range(3):\n  t=time.time(); c=time.process_time()\n  for f in sys.argv[1:]: gdal.Open(f).ReadAsArray()\n  w=time.time()-t\n  if w<b[0]: b=(w,time.process_time()-c)\nprint(b[0],b[1])", ...files],
    { encoding: "utf8" },
  );
  if (py.status === 0) {
    const [w, c] = py.stdout.trim().split(/\s+/).map(Number);
    out.gdalPythonSeconds = r2(w);
    out.gdalPythonCpuSeconds = r2(c);
    out.oursOverGdalPython = r2(ours.wall / w);
    out.oursOverGdalPythonCpu = r2(ours.cpu / c);
  }
  const t0 = performance.now();
  for (const f of files) execFileSync("gdal_translate", ["-q", "-of", "ENVI", f, join(dir, "out.bin")]);
  out.gdalTranslateSeconds = (performance.now() - t0) / 1000;
  rmSync(join(dir, "out.bin"), { force: true });
  out.note = "gdal_translate: one process per file writing raw ENVI (start-up and write included)";
  out.geotiffJsOverOurs = r2(geotiffJs.wall / ours.wall);
  return out;
}

function mintpyRun(stack: string, work: string): Timed & { steps?: Timed[] } {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "inputs"), { recursive: true });
  symlinkSync(stack, join(work, "inputs", "ifgramStack.h5"));
  const inv = timed(PY, ["-m", "mintpy.cli.ifgram_inversion", "inputs/ifgramStack.h5", "-w", "no", "--update"], work);
  if (!inv.ok) return inv;
  const vel = timed(PY, ["-m", "mintpy.cli.timeseries2velocity", "timeseries.h5", "-o", "velocity.h5"], work);
  return { wallSeconds: inv.wallSeconds + vel.wallSeconds, maxRssMiB: Math.max(inv.maxRssMiB, vel.maxRssMiB), ok: vel.ok, steps: [inv, vel] };
}

export async function run(args: string[] = []): Promise<object> {
  if (args.includes("--clean")) {
    rmSync(CACHE, { recursive: true, force: true });
    return { cleaned: CACHE };
  }
  const sizes = (arg(args, "sizes") ?? "500,1000").split(",").map(Number);
  const nDates = Number(arg(args, "dates") ?? "51");
  const mintpyMax = Number(arg(args, "mintpy-max") ?? "1000");
  const mintpy = (arg(args, "mintpy") ?? "auto") !== "no" && has(PY, ["-c", "import mintpy"]);
  mkdirSync(CACHE, { recursive: true });
  const root = projectRoot();
  const result: Record<string, unknown> = { cache: CACHE, read: await readPart(Number(arg(args, "read-files") ?? "20")) };
  const rows: object[] = [];
  for (const n of sizes) {
    const file = join(CACHE, `stack-${n}-${nDates}`, "ifgramStack.h5");
    const gen = await makeStack(file, n, nDates);
    const out = join(CACHE, `out-${n}`);
    rmSync(out, { recursive: true, force: true });
    const ref = `${n >> 1},${n >> 1}`;
    const params = ["weightFunc=no", "troposphere=no", "deramp=no", "topographicResidual=no", "periodic=none", `reference=${ref}`].flatMap((p) => ["--param", p]);
    const ours = timed(join(root, "node_modules", ".bin", "tsx"), [join(root, "scripts", "sbas.ts"), "--input", file, "--out", out, "--quiet", ...params], root);
    const row: Record<string, unknown> = {
      size: n,
      interferograms: gen.pairs,
      dates: nDates,
      stackBytes: statSync(file).size,
      generateSeconds: gen.seconds || "cached",
      ours: { ...ours, pixelsPerSecond: Math.round((n * n) / ours.wallSeconds), stackMiBPerSecond: Math.round(statSync(file).size / 2 ** 20 / ours.wallSeconds) },
    };
    if (mintpy && n <= mintpyMax) {
      const mp = mintpyRun(file, join(CACHE, `mintpy-${n}`));
      row.mintpy = mp;
      if (mp.ok && ours.ok) {
        row.mintpyOverOursWallTime = Math.round((mp.wallSeconds / ours.wallSeconds) * 100) / 100;
        const cmp = spawnSync(PY, ["-c", "import sys,h5py,numpy as np\na=h5py.File(sys.argv[1])['velocity'][:]; b=h5py.File(sys.argv[2])['velocity'][:]\nd=np.abs(a-b)[np.isfinite(a-b)]*1000\nprint(np.median(d), d.max(), d.size)", join(out, "velocity.h5"), join(CACHE, `mintpy-${n}`, "velocity.h5")], { encoding: "utf8" });
        const [med, max, count] = cmp.stdout.trim().split(/\s+/).map(Number);
        if (cmp.status === 0) row.velocityVsMintpyMmPerYear = { medianAbsDiff: med, maxAbsDiff: max, pixels: count };
      }
    } else row.mintpy = mintpy ? `skipped: size above --mintpy-max=${mintpyMax}` : "skipped: MintPy not installed (apt-get install -y python3-mintpy)";
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
  result.sbas = rows;
  result.note =
    "wall times on a shared 2-core machine: other engineers' jobs run at the same time (see loadavg); our run = CLI read → network → inversion → velocity (no troposphere/deramp/DEM-error), MintPy = ifgram_inversion + timeseries2velocity on the same file";
  return result;
}
