import { describe, expect, it } from "vitest";
import { linearRate } from "../../src/subway/simulate";

describe("simulators", () => {
  it("linearRate is the least-squares slope", () => {
    expect(linearRate([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 12);
    expect(linearRate([0, 1, 2, 3], [0, 1, 0, 1])).toBeCloseTo(0.2, 12);
  });
});
