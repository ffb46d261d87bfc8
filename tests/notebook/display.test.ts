import { describe, expect, it } from "vitest";
import * as aq from "arquero";
import { comparisonRows, formatCell, tableHtml, tableText, toRows } from "../../src/notebook/display";

describe("display helpers", () => {
  it("formats numbers for tables", () => {
    expect(formatCell(3)).toBe("3");
    expect(formatCell(0.123456789)).toBe("0.1235");
    expect(formatCell(1.5e-5)).toBe("1.500e-5");
    expect(formatCell(NaN)).toBe("NaN");
    expect(formatCell(-Infinity)).toBe("−∞");
    expect(formatCell(new Date("2018-02-07T00:00:00Z"))).toBe("2018-02-07");
    expect(formatCell(undefined)).toBe("");
  });

  it("renders arrays of objects and arquero tables alike, escaping HTML", () => {
    const rows = [
      { line: "Line 2 <phase 1>", km: 32.4, stations: 17 },
      { line: "Guangfo", km: 20.4, stations: 14 },
    ];
    const df = aq.from(rows);
    expect(toRows(df)).toEqual(rows);
    const html = tableHtml(df, { caption: "Lines" });
    expect(html).toContain("<caption>Lines</caption>");
    expect(html).toContain("Line 2 &lt;phase 1&gt;");
    expect(html).toContain('<td class="num">32.4</td>');
    expect(tableText(rows).split("\n")[0]).toMatch(/^line\s+km\s+stations$/);
  });

  it("computes run − paper only for numbers", () => {
    const rows = comparisonRows({
      item: "Zigui Table 3",
      rows: [
        { quantity: "<10 km", paper: 25, run: 27 },
        { quantity: "trend", paper: "≈20 epochs", run: 18 },
      ],
    });
    expect(rows[0]["run − paper"]).toBe("2");
    expect(rows[1]["run − paper"]).toBe("");
  });
});
