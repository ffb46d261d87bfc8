import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors";
import { checkOverrides } from "../../src/runner/param-check";

describe("--param values are checked against the areas' schemas before any notebook starts", () => {
  it("refuses an out-of-range PS coherence threshold for notebook 20, naming the range and the notebook", () => {
    expect(() => checkOverrides(["notebooks/20-foshan-ps.ipynb"], { coherenceThreshold: -5 })).toThrow(UsageError);
    expect(() => checkOverrides(["notebooks/20-foshan-ps.ipynb"], { coherenceThreshold: -5 })).toThrow(/below the minimum 0.*20-foshan-ps/);
  });

  it("accepts in-range values and leaves notebook-only parameters to the notebook", () => {
    expect(() => checkOverrides(["notebooks/20-foshan-ps.ipynb"], { coherenceThreshold: 0.5, profile: "mirror" })).not.toThrow();
    expect(() => checkOverrides(["notebooks/00-environment.ipynb"], { coherenceThreshold: -5 })).not.toThrow();
  });

  it("checks the subway, settlement and SBAS schemas for notebooks 21, 22 and 13", () => {
    expect(() => checkOverrides(["notebooks/21-foshan-subway.ipynb"], { bufferRadiusM: -600 })).toThrow(/bufferRadiusM: -600 is below the minimum 1/);
    expect(() => checkOverrides(["notebooks/22-foshan-settlement.ipynb"], { rankStatistic: "max" })).toThrow(/rankStatistic: "max" is not one of median, p10, mean/);
    expect(() => checkOverrides(["notebooks/13-zigui-sbas.ipynb"], { minTempCoh: 1.5 })).toThrow(/minTempCoh/);
  });
});

