import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parametersMarkdown } from "../../src/cli/params-doc";

describe("docs/parameters.md", () => {
  it("is the current output of the schemas (run `npm run params-doc` after changing a parameter)", () => {
    expect(readFileSync("docs/parameters.md", "utf8")).toBe(parametersMarkdown());
  });
});
