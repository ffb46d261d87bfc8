import { describe, expect, it } from "vitest";
import { FOSHAN_PS, FOSHAN_STACK, withPsOverrides } from "../../../src/studies/foshan/ps";

describe("Foshan PS parameters", () => {
  it("carry the paper's values", () => {
    expect(FOSHAN_PS.coherenceThreshold).toBe(0.38);
    expect([FOSHAN_PS.multilookRange, FOSHAN_PS.multilookAzimuth]).toEqual([5, 1]);
    expect(FOSHAN_PS.networkNeighbours).toBe(2);
    expect(FOSHAN_PS.wavelength).toBeCloseTo(299_792_458 / 5.405e9, 6);
    expect(FOSHAN_STACK.scenes).toBe(85);
  });

  it("apply typed --param overrides and reject unknown names or bad values", () => {
    const p = withPsOverrides({ coherenceThreshold: "0.5", temporalCoherence: "windowCoherence" });
    expect(p.coherenceThreshold).toBe(0.5);
    expect(p.temporalCoherence).toBe("windowCoherence");
    expect(FOSHAN_PS.coherenceThreshold).toBe(0.38);
    expect(() => withPsOverrides({ coherenceTreshold: 0.5 })).toThrow(/unknown PS parameter "coherenceTreshold"/);
    expect(() => withPsOverrides({ maxArcLength: "far" })).toThrow(/maxArcLength" must be a number/);
    expect(() => withPsOverrides({ temporalCoherence: "magic" })).toThrow(/temporalCoherence must be/);
  });
});
