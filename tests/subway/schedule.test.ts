import { describe, expect, it } from "vitest";
import { parseSchedule, readSchedule, scheduleTotals } from "../../src/subway/schedule";

describe("Table 1 data file", () => {
  const s = readSchedule();
  it("cites a listed source for every known value and marks the rest unknown", () => {
    for (const r of s.rows) {
      for (const f of ["lengthKm", "stations", "constructionStart", "opening"] as const) {
        const v = r[f];
        if (v.value === "unknown") continue;
        expect(s.sources[v.source ?? ""], `${r.line} ${r.section} ${f}`).toBeDefined();
      }
    }
  });
  it("holds the published figures it cites", () => {
    const f2 = s.rows.find((r) => r.line === "F2")!;
    expect(f2.lengthKm.value).toBe(32.4);
    expect(f2.stations.value).toBe(17);
    expect(f2.opening.value).toBe("2021-12-28");
    const gf1 = s.rows.find((r) => r.line === "GF" && r.section.startsWith("Kuiqilu"))!;
    expect(gf1.opening.value).toBe("2010-11-03");
    const t = scheduleTotals(s);
    expect(t.lengthKm).toBeCloseTo(39.6 + 32.4 + 69.5 + 13.4, 6);
    expect(t.stations).toBe(25 + 17 + 38 + 8);
  });
  it("refuses an unsourced value", () => {
    const bad = { ...s, rows: [{ ...s.rows[0], stations: { value: 14 } }] };
    expect(() => parseSchedule("schedule.json", JSON.parse(JSON.stringify(bad)))).toThrow(/schedule\.json: rows\[0\].*stations = 14 has no source/);
    const bad2 = { ...s, rows: [{ ...s.rows[0], stations: { value: 14, source: "blog" } }] };
    expect(() => parseSchedule("schedule.json", JSON.parse(JSON.stringify(bad2)))).toThrow(/cites "blog"/);
  });
});
