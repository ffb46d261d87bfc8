import { describe, expect, it } from "vitest";
import { figureId } from "../../src/notebook/export";

describe("figureId", () => {
  it("names paper items so figure files sort in paper order", () => {
    expect(figureId("zigui", "Fig 8")).toBe("zigui-fig08");
    expect(figureId("Zigui", "Fig 10–12")).toBe("zigui-fig10-12");
    expect(figureId("foshan", "Table 1")).toBe("foshan-table01");
    expect(figureId("foshan", "Fig 6", "b")).toBe("foshan-fig06b");
    expect(figureId("zigui", "Fig 2k")).toBe("zigui-fig02k");
    expect(["zigui-fig10-12", "zigui-fig08", "zigui-fig09"].sort()).toEqual(["zigui-fig08", "zigui-fig09", "zigui-fig10-12"]);
  });

  it("refuses what is not a paper item", () => {
    expect(() => figureId("zigui", "velocity map")).toThrow(/not a paper item/);
  });
});
