import { describe, expect, it } from "vitest";
import { defaultsOf, paramTable } from "../../src/core/params";
import { SUBWAY_SCHEMA } from "../../src/subway/params";
import { FOSHAN_SUBWAY, FOSHAN_SUBWAY_OVERRIDES } from "../../src/studies/foshan/subway";

describe("subway corridor parameters", () => {
  it("the Foshan study overrides only the 600 m buffer (§3); every other value is the area's documented default", () => {
    const d = defaultsOf(SUBWAY_SCHEMA);
    expect(Object.keys(FOSHAN_SUBWAY_OVERRIDES)).toEqual(["bufferRadiusM"]);
    expect(FOSHAN_SUBWAY.bufferRadiusM).toBe(600);
    for (const k of Object.keys(d) as (keyof typeof d)[]) if (k !== "bufferRadiusM") expect(FOSHAN_SUBWAY[k]).toEqual(d[k]);
    expect(paramTable(SUBWAY_SCHEMA, { foshan: FOSHAN_SUBWAY_OVERRIDES })).toMatch(/\| `bufferRadiusM` \| `500` m \| 1 … 10000 \|.*\| `600` \(§3/);
  });
});
