/**
 * The PS command line: every wrong argument is refused with exit 2 and a message naming it, before any
 * file is read or written; --help lists every parameter with its generic default and the study's values.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helpText, main, parsePsArgs } from "../../src/cli/ps";
import { FOSHAN_PS, FOSHAN_PS_OVERRIDES } from "../../src/studies/foshan/ps";
import { paramTable } from "../../src/core/params";
import { PS_SCHEMA } from "../../src/ps/params";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("npm run ps", () => {
  afterEach(() => vi.restoreAllMocks());

  it("--help lists the steps, the options and every parameter with default, range, source and the Foshan values", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("select → link → network → integrate → filter → outputs");
    expect(r.out).toContain("--dostep STEP");
    expect(r.out).toMatch(/coherenceThreshold = 0\.7 .*\{0 … 1\} \(MintPy smallbaselineApp\.cfg minTempCoh = 0\.7\)/);
    expect(r.out).toMatch(/amplitudeDispersionMax = 0\.25 .*\(Ferretti et al\. 2001/);
    expect(r.out).toMatch(/foshan: 0\.38 \(paper §2/);
    expect(r.out).toMatch(/foshan: 5 \(paper §2/);
    // The DS parameters are part of the PS set, grouped under the steps that read them.
    expect(r.out).toMatch(/## link\n {2}dsMethod = emi .*\(choice: EMI \(Ansari et al\. 2018\)/);
    expect(r.out).toMatch(/dsLinkingMin = 0\.6 /);
    expect(helpText()).toBe(r.out.trimEnd());
  });

  it("docs/ps.md holds the current parameter table", () => {
    expect(readFileSync("docs/ps.md", "utf8")).toContain(paramTable(PS_SCHEMA, { foshan: FOSHAN_PS_OVERRIDES }));
  });

  it("generic defaults unless --study foshan; --param applied on top", () => {
    const g = parsePsArgs(["--input", "s", "--out", "o"]);
    const f = parsePsArgs(["--input", "s", "--out", "o", "--study", "foshan", "--param", "maxArcLength=800"]);
    if (g === "help" || f === "help") throw new Error("unexpected help");
    expect(g.params.coherenceThreshold).toBe(0.7);
    expect(g.params.multilookRange).toBe(1);
    expect(f.params).toEqual({ ...FOSHAN_PS, maxArcLength: 800 });
  });

  it("refuses bad arguments with exit 2 and a message naming them, before touching --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-cli-args-"));
    const out = join(dir, "never");
    const cases: [string[], RegExp][] = [
      [["--param", "coherenceThreshold=-5"], /parameter coherenceThreshold: -5 is below the minimum 0 \(allowed 0 … 1\)/],
      [["--param", "coherenceTreshold=0.5"], /unknown parameter "coherenceTreshold"/],
      [["--param", "temporalCoherence=magic"], /temporalCoherence: "magic" is not one of spatialResidual, windowCoherence/],
      [["--dostep", "periodogram"], /--dostep "periodogram" is not a step \(steps: select, link, network, integrate, filter, outputs\)/],
      [["--start", "outputs", "--end", "select"], /--start outputs comes after --end select/],
      [["--dostep", "filter", "--start", "select"], /--dostep cannot be combined/],
      [["--study", "zigui"], /--study "zigui" is not known \(studies: foshan\)/],
      [["--reference", "113.1"], /--reference expects LON,LAT/],
      [["--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [extra, msg] of cases) {
      const r = await run(["--input", join(dir, "stack"), "--out", out, ...extra]);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).toMatch(/^ps: /);
    }
    expect((await run(["--out", out])).err).toMatch(/--input is required/);
    expect(existsSync(out)).toBe(false);
  });

  it("checks --out before any work: a path under a file or /proc is refused with exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-cli-out-"));
    const r1 = await run(["--input", "/nonexistent/stack", "--out", "/proc/ps-out"]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/--out \/proc\/ps-out: cannot write output under \/proc/);
    const r2 = await run(["--input", dir, "--out", join(__filename, "out")]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/is not a folder/);
    // A good --out and a missing stack: the work fails (exit 1) naming the stack.
    const r3 = await run(["--input", "/nonexistent/stack", "--out", join(dir, "o")]);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/\/nonexistent\/stack: no such stack folder or file/);
  });
});
