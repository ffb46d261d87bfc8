import { describe, expect, it } from "vitest";
import {
  cellSource,
  codeCell,
  declaredParameters,
  injectParameters,
  markdownCell,
  newNotebook,
  notebookFromPercent,
  parseNotebook,
  parseParamAssignments,
  parseParamValue,
  splitLines,
} from "../../src/runner/notebook";
import { mapGeneratedLine } from "../../src/runner/execute";

describe("notebook parameters", () => {
  it("finds the declarations of a parameters cell with their types", () => {
    const src = `const a = 0.38; // comment\nlet b: string = "x";\nconst c = { k: [1, 2] };\nfunction notAParam() {}`;
    expect(declaredParameters(src)).toEqual([
      { name: "a", type: undefined, initializer: "0.38" },
      { name: "b", type: "string", initializer: '"x"' },
      { name: "c", type: undefined, initializer: "{ k: [1, 2] }" },
    ]);
  });

  it("parses command-line values by type", () => {
    expect(parseParamValue("0.5")).toBe(0.5);
    expect(parseParamValue("-3e2")).toBe(-300);
    expect(parseParamValue("true")).toBe(true);
    expect(parseParamValue("null")).toBe(null);
    expect(parseParamValue("[1,2]")).toEqual([1, 2]);
    expect(parseParamValue('{"fast":true}')).toEqual({ fast: true });
    expect(parseParamValue("mirror")).toBe("mirror");
    expect(parseParamValue("[not json")).toBe("[not json");
    expect(parseParamAssignments(["a=1", "b=x=y"])).toEqual({ a: 1, b: "x=y" });
    expect(() => parseParamAssignments(["novalue"])).toThrow(/name=value/);
    expect(() => parseParamAssignments(["1x=2"])).toThrow(/not a valid parameter name/);
  });

  it("injects an override cell after the parameters cell, keeping declared types", () => {
    const nb = newNotebook([markdownCell("# T"), codeCell('const t = 0.38;\nconst s: string = "a";', ["parameters"]), codeCell("console.log(t)")]);
    const { notebook, effective } = injectParameters(nb, { t: 0.5, s: "b" }, "x.ipynb");
    expect(notebook.cells).toHaveLength(4);
    expect(notebook.cells[2].metadata.tags).toEqual(["injected-parameters"]);
    expect(cellSource(notebook.cells[2])).toContain("const t = 0.5;");
    expect(cellSource(notebook.cells[2])).toContain('const s: string = "b";');
    expect(effective).toEqual({ t: "0.5", s: '"b"' });
    expect(nb.cells).toHaveLength(3); // the input is not modified
  });

  it("rejects unknown parameters naming the notebook and the declared ones", () => {
    const nb = newNotebook([codeCell("const t = 1;", ["parameters"])]);
    expect(() => injectParameters(nb, { threshold: 2 }, "nb/x.ipynb")).toThrow(/nb\/x\.ipynb: unknown parameter threshold; declared: t/);
    expect(() => injectParameters(newNotebook([codeCell("1")]), { t: 2 }, "y.ipynb")).toThrow(/y\.ipynb: has no cell tagged "parameters"/);
  });

  it("reads percent scripts and rejects what is not a notebook", () => {
    const nb = notebookFromPercent("// %% [markdown]\n// # Title\n\n// %% tags=parameters\nconst a = 1;\n\n// %%\nconsole.log(a);\n");
    expect(nb.cells.map((c) => c.cell_type)).toEqual(["markdown", "code", "code"]);
    expect(cellSource(nb.cells[0])).toBe("# Title");
    expect(nb.cells[1].metadata.tags).toEqual(["parameters"]);
    expect(splitLines("a\nb\n")).toEqual(["a\n", "b\n"]);
    expect(() => parseNotebook("{", "bad.ipynb")).toThrow(/bad\.ipynb: not valid JSON/);
    expect(() => parseNotebook('{"nbformat":3,"cells":[]}', "old.ipynb")).toThrow(/nbformat 3/);
  });

  it("maps a generated JavaScript line back to the cell line", () => {
    const cell = "const values = [1, 2, 3];\nconst half: number[] = values.map((v) => v / divisor);\nthrow new Error(\"planted failure \" + half.length);";
    expect(mapGeneratedLine(cell, 'throw new Error("planted failure " + exports.half.length);')).toBe(3);
    expect(mapGeneratedLine(cell, "const half = values.map((v) => v / divisor);")).toBe(2);
  });
});
