import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dateAfter } from "../../src/core/dates";
import { mulberry32, normal } from "../../src/core/random";
import { main, readSeriesCsv, run, usage } from "../../src/cli/settlement";

const dir = mkdtempSync(join(tmpdir(), "settlement-cli-"));

/** A noise-free logistic series: a = 40, b = −50 mm, c = 1.2 /yr from 2008-01-01, monthly to 2016. */
function knownCsv(): string {
  const rows = ["date,value"];
  for (let m = 0; m <= 96; m++) {
    const d = new Date(Date.UTC(2008, m, 1)).toISOString().slice(0, 10);
    const t = (Date.parse(d) - Date.parse("2008-01-01")) / (365.25 * 86_400_000);
    rows.push(`${d},${(-50 / (1 + 40 * Math.exp(-1.2 * t))).toFixed(6)}`);
  }
  return rows.join("\n") + "\n";
}

/** Sentinel-1-like straight subsidence: −8 mm/yr every 12 days 2015-06-15 … 2018-09-15, σ = 1.5 mm. */
function straightCsv(): string {
  const g = normal(mulberry32(8));
  const rows = ["date,value"];
  for (let k = 0; k * 12 <= 1188; k++) {
    const ms = Date.UTC(2015, 5, 15) + k * 12 * 86_400_000;
    const d = new Date(ms).toISOString().slice(0, 10);
    rows.push(`${d},${(-8 * ((k * 12) / 365.25) + 1.5 * g()).toFixed(3)}`);
  }
  return rows.join("\n") + "\n";
}

function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
  return fn()
    .then((code) => ({ code, out: out.join(""), err: err.join("") }))
    .finally(() => {
      process.stdout.write = o;
      process.stderr.write = e;
    });
}

type Summary = {
  model: string;
  preferred: string;
  origin: string;
  comparison: { model: string; "AICc weight": number }[];
  params: Record<string, { value: number; lower: number; upper: number }>;
  stabilisation: { status: string; message: string; years?: number; date?: string; durationYears?: number; notBeforeYears?: number };
};

describe("settlement CLI", () => {
  const file = join(dir, "known.csv");
  writeFileSync(file, knownCsv());
  const straight = join(dir, "straight.csv");
  writeFileSync(straight, straightCsv());

  it("fits the logistic model to a known series: parameters, intervals containing them, stabilisation", () => {
    const out = run(["fit", "--input", file], false) as Summary;
    expect(out.model).toBe("logistic");
    expect(out.preferred).toBe("logistic");
    expect(out.origin).toBe("2008-01-01");
    expect(out.params.a.value).toBeCloseTo(40, 3);
    expect(out.params.b.value).toBeCloseTo(-50, 4);
    expect(out.params.c.value).toBeCloseTo(1.2, 5);
    for (const k of ["a", "b", "c"]) expect(out.params[k].lower).toBeLessThanOrEqual(out.params[k].upper);
    const t95 = (Math.log(40) + Math.log(19)) / 1.2;
    expect(out.stabilisation.status).toBe("stabilised");
    expect(out.stabilisation.years).toBeCloseTo(t95, 4);
    expect(out.stabilisation.date).toBe(dateAfter("2008-01-01", t95));
    expect(out.stabilisation.durationYears).toBeCloseTo((2 * Math.log(19)) / 1.2, 4);
  });
  it("a straight −8 mm/yr series gets no stabilisation date, even with --model logistic, and the comparison says why", () => {
    for (const model of ["auto", "logistic"]) {
      const out = run(["fit", "--input", straight, "--model", model], false) as Summary;
      expect(out.preferred).toBe("linear");
      expect(out.stabilisation.status).toBe("no-plateau");
      expect(out.stabilisation.years).toBeUndefined();
      expect(out.stabilisation.message).toMatch(/straight line is the preferred model/);
    }
  });
  it("prints the model comparison table by default and returns 0", async () => {
    const r = await capture(() => main(["fit", "--input", straight]));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^model\s+k\s+AIC\s+AICc\s+ΔAICc\s+weight\s+rmse$/m);
    for (const m of ["linear", "logistic", "exponential"]) expect(r.out).toMatch(new RegExp(`^${m}\\s+\\d`, "m"));
    expect(r.out).toMatch(/stabilisation: the straight line is the preferred model/);
  });
  it("--json prints the summary with the comparison; weights sum to 1", async () => {
    const r = await capture(() => main(["fit", "--input", file, "--json", "--param", "model=auto"]));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Summary;
    expect(j.comparison.map((c) => c.model).sort()).toEqual(["exponential", "linear", "logistic"]);
    expect(j.comparison.reduce((s, c) => s + c["AICc weight"], 0)).toBeCloseTo(1, 10);
  });
  it("bad input exits 1 naming the file and line; bad usage exits 2", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "date,value\n2008-01-01,1\n2008-02-30x,2\n");
    const r = await capture(() => main(["fit", "--input", bad]));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.csv: line 3: not a/);
    expect((await capture(() => main(["fit", "--input", file, "--param", "stabiliseFraction=1.5"]))).code).toBe(2);
    expect((await capture(() => main(["fit", "--input", file, "--param", "nonsense=1"]))).err).toMatch(/unknown parameter "nonsense"/);
    expect((await capture(() => main(["fit", "--input", file, "--frobnicate"]))).code).toBe(2);
  });
  it("--help lists the options and every parameter with the Foshan overrides and their sources", async () => {
    const r = await capture(() => main(["--help"]));
    expect(r.code).toBe(0);
    expect(r.out).toBe(usage() + "\n");
    for (const p of ["model", "origin", "stabiliseFraction", "confidence", "intervals", "weighting"]) expect(r.out).toMatch(new RegExp(`^  ${p} = `, "m"));
    expect(r.out).toMatch(/foshan: logistic \(§4, eq\. 2/);
    expect(r.out).toMatch(/foshan: 2008-01-01 \(§4/);
  });
  it("reads a third sensor column and fits an offset per sensor", () => {
    const f = join(dir, "two.csv");
    writeFileSync(f, "2008-01-01,0,PALSAR\n2009-01-01,-10,PALSAR\n2010-01-01,-25,PALSAR\n2011-01-01,-33,PALSAR\n2015-06-15,0,S1\n2016-06-15,-0.5,S1\n2017-06-15,-0.2,S1\n2018-06-15,-0.6,S1\n");
    const s = readSeriesCsv(f);
    expect(s.map((x) => x.sensor)).toEqual(["PALSAR", "S1"]);
    const out = run(["fit", "--input", f, "--model", "linear"], false) as { sensors: { sensor: string }[] };
    expect(out.sensors.map((o) => o.sensor)).toEqual(["PALSAR", "S1"]);
  });
  it("refuses missing values, empty files and bad options", () => {
    const f = join(dir, "missing.csv");
    writeFileSync(f, "date,value\n2008-01-01,1\n2008-02-01,\n");
    expect(() => readSeriesCsv(f)).toThrow(/missing\.csv: line 3: value missing/);
    const e = join(dir, "empty.csv");
    writeFileSync(e, "date,value\n");
    expect(() => readSeriesCsv(e)).toThrow(/empty\.csv: no data rows/);
    expect(() => run(["fit", "--input", file, "--model", "cubic"], false)).toThrow(/model/);
    expect(() => run(["fit"], false)).toThrow(/--input/);
  });

  it("semicolon-separated file with decimal commas: read as the locale wrote it, not as 39 sensors", () => {
    const dir = mkdtempSync(join(tmpdir(), "settle-csv-"));
    const f = join(dir, "semicolon.csv");
    writeFileSync(f, "date;value\n2019-01-01;-3,5\n2019-02-01;-4,25\n2019-03-01;-5\n");
    expect(readSeriesCsv(f)).toEqual([{ sensor: "series", dates: ["2019-01-01", "2019-02-01", "2019-03-01"], values: [-3.5, -4.25, -5] }]);
    const g = join(dir, "mixed.csv");
    writeFileSync(g, "date,value\n2019-01-01,-3,5,PALSAR,x\n");
    expect(() => readSeriesCsv(g)).toThrow(/mixed\.csv: line 2: 5 columns, expected "date,value\[,sensor\]"/);
  });

  it("duplicate dates with conflicting values are refused, naming both lines; an exact repeat is kept once", () => {
    const dir = mkdtempSync(join(tmpdir(), "settle-csv-"));
    const f = join(dir, "dup.csv");
    writeFileSync(f, "2019-01-01,-3\n2019-02-01,-4\n2019-02-01,-6\n");
    expect(() => readSeriesCsv(f)).toThrow(/dup\.csv: line 3: 2019-02-01 already has value -4 at line 2 \(sensor series\); conflicting duplicate dates/);
    const g = join(dir, "repeat.csv");
    writeFileSync(g, "2019-01-01,-3\n2019-02-01,-4\n2019-02-01,-4\n2019-03-01,-5\n");
    expect(readSeriesCsv(g)[0].dates).toEqual(["2019-01-01", "2019-02-01", "2019-03-01"]);
  });
});

