import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, readSeriesCsv, run } from "../../src/cli/settlement";
import { dateAfter } from "../../src/settlement/fit";

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

describe("settlement CLI", () => {
  const file = join(dir, "known.csv");
  writeFileSync(file, knownCsv());

  it("fits the logistic model to a known series and prints parameters and stabilisation", () => {
    const out = run(["fit", "--input", file], false) as {
      params: Record<string, { value: number; stdError: number }>;
      stabilisation: { years: number; date: string; durationYears: number };
      model: string;
      origin: string;
    };
    expect(out.model).toBe("logistic");
    expect(out.origin).toBe("2008-01-01");
    expect(out.params.a.value).toBeCloseTo(40, 3);
    expect(out.params.b.value).toBeCloseTo(-50, 4);
    expect(out.params.c.value).toBeCloseTo(1.2, 5);
    const t95 = (Math.log(40) + Math.log(19)) / 1.2;
    expect(out.stabilisation.years).toBeCloseTo(t95, 4);
    expect(out.stabilisation.date).toBe(dateAfter("2008-01-01", t95));
    expect(out.stabilisation.durationYears).toBeCloseTo((2 * Math.log(19)) / 1.2, 4);
  });
  it("ranks all models by AIC", () => {
    const out = run(["fit", "--input", file, "--model", "all"], false) as { ranking: { model: string }[] };
    expect(out.ranking[0].model).toBe("logistic");
    expect(out.ranking.map((r) => r.model).sort()).toEqual(["exponential", "linear", "logistic"]);
  });
  it("prints JSON on stdout and returns 0; errors return 1 with the file and line named", () => {
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (writes.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write;
    try {
      expect(main(["fit", "--input", file, "--model", "linear"])).toBe(0);
      expect(JSON.parse(writes.join("")).model).toBe("linear");
      writes.length = 0;
      const bad = join(dir, "bad.csv");
      writeFileSync(bad, "date,value\n2008-01-01,1\n2008-02-30x,2\n");
      expect(main(["fit", "--input", bad])).toBe(1);
      expect(writes.join("")).toMatch(/bad\.csv:3: .*not a/);
    } finally {
      process.stdout.write = orig;
      process.stderr.write = origErr;
    }
  });
  it("reads a third sensor column and fits an offset per sensor", () => {
    const f = join(dir, "two.csv");
    writeFileSync(f, "2008-01-01,0,PALSAR\n2009-01-01,-10,PALSAR\n2010-01-01,-25,PALSAR\n2011-01-01,-33,PALSAR\n2015-06-15,0,S1\n2016-06-15,-0.5,S1\n2017-06-15,-0.2,S1\n2018-06-15,-0.6,S1\n");
    const s = readSeriesCsv(f);
    expect(s.map((x) => x.sensor)).toEqual(["PALSAR", "S1"]);
    const out = run(["fit", "--input", f, "--model", "linear"], false) as { offsets: { sensor: string }[] };
    expect(out.offsets.map((o) => o.sensor)).toEqual(["PALSAR", "S1"]);
  });
  it("refuses missing values, empty files and bad options", () => {
    const f = join(dir, "missing.csv");
    writeFileSync(f, "date,value\n2008-01-01,1\n2008-02-01,\n");
    expect(() => readSeriesCsv(f)).toThrow(/missing\.csv:3: value missing/);
    const e = join(dir, "empty.csv");
    writeFileSync(e, "date,value\n");
    expect(() => readSeriesCsv(e)).toThrow(/empty\.csv: no data rows/);
    expect(() => run(["fit", "--input", file, "--model", "cubic"], false)).toThrow(/--model/);
    expect(() => run(["fit"], false)).toThrow(/--input/);
  });
});
