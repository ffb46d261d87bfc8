import { describe, expect, it } from "vitest";
import { defaultsOf } from "../../src/core/params";
import { mulberry32, normal } from "../../src/core/random";
import { analyseSettlement } from "../../src/settlement/analysis";
import { SETTLEMENT_SCHEMA } from "../../src/settlement/params";
import { analysisSummary, analysisText, comparisonRows, comparisonTable } from "../../src/settlement/report";

describe("settlement report", () => {
  const g = normal(mulberry32(2));
  const t = Array.from({ length: 80 }, (_, i) => (9 * i) / 79);
  const y = t.map((ti) => -40 / (1 + 60 * Math.exp(-2 * ti)) + 1.2 * g());
  const an = analyseSettlement({ t, y }, defaultsOf(SETTLEMENT_SCHEMA), "2008-01-01");

  it("the comparison table lists every model once, best first, with its weight", () => {
    const lines = comparisonTable(an.comparison).split("\n");
    expect(lines[0]).toMatch(/^model\s+k\s+AIC\s+AICc\s+ΔAICc\s+weight\s+rmse$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(an.comparison.map((r) => r.model));
    expect(lines[1]).toMatch(/^logistic\s+4\s.*\s0\.00\s+1\.000\s/);
    expect(comparisonRows(an.comparison).map((r) => r.model)).toEqual(an.comparison.map((r) => r.model));
  });
  it("JSON and text carry the estimates, intervals and the verdict with dates", () => {
    const j = JSON.parse(JSON.stringify(analysisSummary(an))) as {
      params: Record<string, { value: number; lower: number; upper: number }>;
      stabilisation: { status: string; date: string; lowerDate: string; upperDate: string };
    };
    expect(Object.keys(j.params)).toEqual(["a", "b", "c"]);
    for (const p of Object.values(j.params)) {
      expect(p.lower).toBeLessThan(p.value);
      expect(p.upper).toBeGreaterThan(p.value);
    }
    expect(j.stabilisation.status).toBe("stabilised");
    expect(j.stabilisation.lowerDate < j.stabilisation.date && j.stabilisation.date < j.stabilisation.upperDate).toBe(true);
    const text = analysisText(an);
    expect(text).toMatch(/reported: logistic \(preferred\)/);
    expect(text).toMatch(/stabilisation: stabilised \(95 % of the settlement\) on \d{4}-\d{2}-\d{2}, 95 % interval \d{4}-\d{2}-\d{2} … \d{4}-\d{2}-\d{2}/);
  });
});
