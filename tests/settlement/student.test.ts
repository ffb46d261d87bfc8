import { describe, expect, it } from "vitest";
import { studentTCdf, studentTQuantile } from "../../src/settlement/student";

describe("Student t quantile", () => {
  it("matches tables", () => {
    expect(studentTQuantile(0.95, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.99, 30)).toBeCloseTo(2.749996, 5);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 14);
    expect(studentTQuantile(0.95, 1e9)).toBeCloseTo(1.959964, 5);
  });
});
