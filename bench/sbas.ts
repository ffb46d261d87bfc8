/**
 * `npm run bench -- sbas [--width=1000] [--height=1000] [--dates=51] [--gap=0.01] [--mintpy-rows=10] [--weights=no,var]`
 *
 * Network inversion throughput on a synthetic 1000×1000-pixel, 51-date, 147-interferogram stack
 * (each date paired with its three successors; `gap` = fraction of pixels missing per interferogram,
 * so pixels have their own no-data patterns as in real stacks). Rows are generated block by block and
 * only `SbasSolver.solveBlock` is timed; the time-series error against the planted truth is reported so
 * speed is compared at equal accuracy. Where /usr/bin/python3 has MintPy, the same first
 * `mintpy-rows` rows are written as ifgramStack.h5 and MintPy's ifgram_inversion is timed on them
 * (its own "Time used", imports excluded); the ratio of pixel throughputs and the largest difference
 * between the two time series are recorded.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SbasSolver, emptyResult } from "../src/sbas/inversion";
import { invertStackParallel } from "../src/sbas/inversion-stack";
import { loadavg } from "node:os";
import type { Network } from "../src/sbas/network";
import { tbaseYears } from "../src/sbas/dates";
import { writeMintpyStack } from "../src/sbas/mintpy-h5";
import { readH5 } from "../src/io/hdf5";
import type { IfgramStack } from "../src/sbas/types";
import type { WeightFunc } from "../src/sbas/weights";
import { mulberry32 as rng } from "../src/core/random";

function opt(args: string[], name: string, def: string): string {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}


interface Block {
  phase: Float32Array[];
  coherence: Float32Array[];
  truth: Float32Array[];
}

/** Rows [r0, r1) of the synthetic stack: linear + seasonal phase history, noise, gaps. */
function makeBlock(net: Network, width: number, r0: number, r1: number, gap: number): Block {
  const n = (r1 - r0) * width;
  const t = tbaseYears(net.dates);
  const rand = rng(1000 + r0);
  const vel = Float64Array.from({ length: n }, () => (rand() - 0.5) * 40);
  const amp = Float64Array.from({ length: n }, () => rand() * 3);
  // phase histories (radians) with the first date as datum: sin(0) = 0
  const truth = net.dates.map((_, d) => Float32Array.from(vel, (v, p) => v * t[d] + amp[p] * Math.sin(2 * Math.PI * t[d])));
  const phase: Float32Array[] = [];
  const coherence: Float32Array[] = [];
  for (const [i, j] of net.pairs) {
    const ph = new Float32Array(n);
    const co = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      const c = 0.3 + 0.65 * rand();
      co[p] = c;
      ph[p] = rand() < gap ? NaN : truth[j][p] - truth[i][p] + (rand() - 0.5) * 0.4 * (1 - c);
      if (ph[p] === 0) ph[p] = 1e-6;
    }
    phase.push(ph);
    coherence.push(co);
  }
  return { phase, coherence, truth };
}

export async function run(args: string[] = []): Promise<object> {
  const width = Number(opt(args, "width", "1000"));
  const height = Number(opt(args, "height", "1000"));
  const nDates = Number(opt(args, "dates", "51"));
  const gap = Number(opt(args, "gap", "0.01"));
  const mintpyRows = Number(opt(args, "mintpy-rows", "10"));
  const threads = Number(opt(args, "threads", "2"));
  const parallelRows = Number(opt(args, "parallel-rows", String(Math.min(height, 200))));
  const weights = opt(args, "weights", "no,var").split(",") as WeightFunc[];
  const dates: string[] = [];
  for (let i = 0; i < nDates; i++) {
    const d = new Date(Date.UTC(2020, 0, 6) + i * 12 * 86_400_000);
    dates.push(d.toISOString().slice(0, 10).replace(/-/g, ""));
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < nDates; i++) for (let j = i + 1; j <= Math.min(nDates - 1, i + 3); j++) pairs.push([i, j]);
  const net: Network = { dates, pairs };
  const rowsPerBlock = 50;
  const results: Record<string, unknown>[] = [];
  let peakRss = process.memoryUsage().rss;
  for (const wf of weights) {
    const solver = new SbasSolver(net, { weightFunc: wf, minRedundancy: 1, looks: 8 });
    let solveSeconds = 0;
    let cpuSeconds = 0;
    let se = 0;
    let cnt = 0;
    let rankDeficient = 0;
    for (let r0 = 0; r0 < height; r0 += rowsPerBlock) {
      const r1 = Math.min(height, r0 + rowsPerBlock);
      const b = makeBlock(net, width, r0, r1, gap);
      const nPix = (r1 - r0) * width;
      const out = emptyResult(nDates, nPix);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      solver.solveBlock({ nPix, phase: b.phase, coherence: wf === "no" ? undefined : b.coherence }, out);
      const c1 = process.cpuUsage(c0);
      cpuSeconds += (c1.user + c1.system) / 1e6;
      solveSeconds += (performance.now() - t0) / 1000;
      rankDeficient += out.rankDeficient;
      for (let d = 0; d < nDates; d += 5)
        for (let p = 0; p < nPix; p += 7) {
          if (!out.numInvIfgram[p]) continue;
          const e = out.ts[d][p] - b.truth[d][p];
          se += e * e;
          cnt++;
        }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const pixels = width * height;
    const rec: Record<string, unknown> = {
      weightFunc: wf,
      pixels,
      interferograms: pairs.length,
      dates: nDates,
      gapFraction: gap,
      seconds: Number(solveSeconds.toFixed(3)),
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      pixelsPerSecond: Math.round(pixels / solveSeconds),
      pixelsPerCpuSecond: Math.round(pixels / cpuSeconds),
      rankDeficientPixels: rankDeficient,
      tsRmsErrorRad: Number(Math.sqrt(se / cnt).toFixed(5)),
      threads: 1,
    };
    if (threads > 1 && parallelRows > 0) {
      // whole-stack path of the pipeline: row blocks on worker threads (wall time and CPU of all threads)
      const b = makeBlock(net, width, 0, parallelRows, gap);
      const nPix = parallelRows * width;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await invertStackParallel(
        { net, width, height: parallelRows, phase: b.phase, coherence: b.coherence, refPhase: new Float64Array(pairs.length), maxMemoryBytes: 2 ** 30, quiet: true },
        { weightFunc: wf, minRedundancy: 1, looks: 8 },
        threads,
      );
      const wall = (performance.now() - t0) / 1000;
      const c1 = process.cpuUsage(c0);
      rec.parallel = {
        threads,
        pixels: nPix,
        inverted: res.inverted,
        seconds: Number(wall.toFixed(3)),
        cpuSeconds: Number(((c1.user + c1.system) / 1e6).toFixed(3)),
        pixelsPerSecond: Math.round(nPix / wall),
        loadAverage1min: Number(loadavg()[0].toFixed(2)),
        note: "wall time includes worker start-up (tsx compiling the solver) and the machine's other load",
      };
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const mp = await mintpyRun(net, width, mintpyRows, gap, wf);
    if (mp) {
      rec.mintpy = mp;
      if (typeof mp.pixelsPerCpuSecond === "number") rec.speedupVsMintpy = Number(((pixels / cpuSeconds) / mp.pixelsPerCpuSecond).toFixed(1));
    }
    results.push(rec);
    process.stderr.write(`sbas bench ${wf}: ${rec.pixelsPerCpuSecond} px per CPU-second (${rec.pixelsPerSecond} px/s wall)${rec.speedupVsMintpy ? `, ${rec.speedupVsMintpy}× MintPy` : ""}\n`);
  }
  return { results, peakRssMiB: Math.round(peakRss / 2 ** 20), rowsPerBlock };
}

export async function mintpyRun(net: Network, width: number, rows: number, gap: number, wf: WeightFunc): Promise<Record<string, unknown> | null> {
  const py = "/usr/bin/python3";
  if (rows <= 0 || !existsSync(py) || spawnSync(py, ["-c", "import mintpy"]).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "sbas-bench-"));
  try {
    const b = makeBlock(net, width, 0, rows, gap);
    const stack: IfgramStack = {
      source: "bench",
      width,
      height: rows,
      dates: net.dates,
      pairs: net.pairs,
      unwrapPhase: b.phase,
      coherence: b.coherence,
      bperp: new Float64Array(net.pairs.length),
      keep: net.pairs.map(() => true),
      wavelength: 0.05546576,
      geometry: {},
      attrs: { ALOOKS: 4, RLOOKS: 4, PROCESSOR: "bench" },
    };
    const file = join(dir, "ifgramStack.h5");
    await writeMintpyStack(file, stack);
    // MintPy indexes with dropIfgram as a boolean mask (h5wasm writes int8); both solvers invert the
    // un-referenced phase (MintPy --skip-reference)
    const prep = `import h5py\nf=h5py.File(${JSON.stringify(file)},'r+')\nk=f['dropIfgram'][:].astype(bool)\ndel f['dropIfgram']\nf.create_dataset('dropIfgram',data=k)\nf.close()`;
    spawnSync(py, ["-c", prep], { encoding: "utf8" });
    // CPU time of the inversion itself: MintPy's modules are imported before the clock starts
    const runner = [
      "import sys, time, runpy",
      "import mintpy.ifgram_inversion, mintpy.cli.ifgram_inversion",
      `sys.argv = ['ifgram_inversion.py', ${JSON.stringify(file)}, '-w', '${wf}', '--skip-reference', '--min-redun', '1', '-o', 'ts.h5', 'tcoh.h5', 'num.h5']`,
      "t0, w0 = time.process_time(), time.perf_counter()",
      "try:\n    runpy.run_module('mintpy.cli.ifgram_inversion', run_name='__main__')\nexcept SystemExit:\n    pass",
      "print('BENCH_CPU', time.process_time() - t0, 'BENCH_WALL', time.perf_counter() - w0)",
    ].join("\n");
    const p = spawnSync(py, ["-c", runner], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    if (p.status !== 0) return { error: (p.stderr || p.stdout).slice(-500) };
    const m = /BENCH_CPU ([\d.e-]+) BENCH_WALL ([\d.e-]+)/.exec(p.stdout);
    if (!m) return { error: "no timing line from MintPy run" };
    const cpu = Number(m[1]);
    const wall = Number(m[2]);
    const ts = await readH5(join(dir, "ts.h5"), ["timeseries"]);
    // our solver on the same rows
    const solver = new SbasSolver(net, { weightFunc: wf, minRedundancy: 1, looks: Math.round(16 / 1.94) });
    const nPix = rows * width;
    const out = emptyResult(net.dates.length, nPix);
    solver.solveBlock({ nPix, phase: b.phase, coherence: b.coherence }, out);
    const phase2range = -0.05546576 / (4 * Math.PI);
    const data = ts.datasets.timeseries.data as Float32Array;
    let maxDiff = 0;
    for (let d = 0; d < net.dates.length; d++)
      for (let q = 0; q < nPix; q++) {
        if (!out.numInvIfgram[q]) continue;
        maxDiff = Math.max(maxDiff, Math.abs(out.ts[d][q] * phase2range - data[d * nPix + q]));
      }
    return {
      pixels: nPix,
      seconds: Number(wall.toFixed(2)),
      cpuSeconds: Number(cpu.toFixed(2)),
      pixelsPerSecond: Math.round(nPix / wall),
      pixelsPerCpuSecond: Math.round(nPix / cpu),
      maxTimeseriesDiffMm: Number((maxDiff * 1000).toFixed(6)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
