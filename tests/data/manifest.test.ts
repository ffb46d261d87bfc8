import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./server";
import { describe, expect, it } from "vitest";
import { findManifest, isSafeRelativePath, loadManifest, loadManifests, ManifestError, manifestsDir, validateManifest } from "../../src/data/manifest";

const good = {
  id: "demo",
  title: "Demo",
  description: "d",
  licence: "CC-BY-4.0",
  citation: "c",
  files: [{ path: "a/b.h5", url: "https://example.org/b.h5", sha256: "a".repeat(64), size: 10 }],
};

function problems(v: unknown): string[] {
  try {
    validateManifest(v, "x.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as ManifestError).problems;
  }
  return [];
}

describe("manifest validation", () => {
  it("accepts a well-formed manifest", () => {
    expect(problems(good)).toEqual([]);
  });

  it("lists every problem with its JSON path and names the file", () => {
    const bad = {
      id: "Bad id!",
      title: "",
      licence: "x",
      citation: "c",
      extra: 1,
      files: [
        { path: "../escape.h5", url: "ftp://x/y", sha256: "XYZ", size: -1 },
        { path: "b", url: "https://user:pw@example.org/b", sha256: "b".repeat(64) },
      ],
    };
    const p = problems(bad);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.id: must be letters, digits and dashes/),
        "$.title: must be a non-empty string, got \"\"",
        "$.description: is required",
        expect.stringMatching(/^\$\.extra: unknown property/),
        expect.stringMatching(/^\$\.files\[0\]\.path: must be a relative path inside the dataset folder/),
        "$.files[0].url: must be http(s), got ftp:",
        "$.files[0].sha256: must be 64 lower-case hex digits",
        "$.files[0].size: must be an integer ≥ 0, got -1",
        "$.files[1].url: must not contain credentials (use the environment or ~/.netrc)",
        "$.files[1].size: is required",
      ]),
    );
    expect(() => validateManifest(bad, "data-manifests/bad.json")).toThrow(/Invalid data manifest data-manifests\/bad\.json:\n {2}- /);
  });

  it("checks search specifications and unpack rules", () => {
    const p = problems({
      ...good,
      files: [],
      search: [
        { provider: "asf", path: "slc", collection: "SENTINEL-1", bbox: [111, 30, 110, 31], start: "2023-02-30x", end: "2025-01-05" },
        { provider: "zenodo", path: "." },
        { provider: "nasa", path: "x", unpack: { format: "rar", to: "../up" } },
      ],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.search\[0\]\.bbox: must be \[west, south, east, north\]/),
        expect.stringMatching(/^\$\.search\[0\]\.start: must be a date YYYY-MM-DD/),
        "$.search[1].record: is required for provider zenodo",
        expect.stringMatching(/^\$\.search\[2\]\.provider: must be one of asf, cdse, zenodo/),
        expect.stringMatching(/^\$\.search\[2\]\.unpack\.format: must be one of zip, tar\.gz, tar/),
        expect.stringMatching(/^\$\.search\[2\]\.unpack\.to: must be a relative path/),
      ]),
    );
  });

  it("rejects duplicate paths, the reserved id and an empty manifest", () => {
    expect(problems({ ...good, files: [good.files[0], good.files[0]] })).toContain('$.files[1].path: duplicate path "a/b.h5"');
    expect(problems({ ...good, id: "samples" })).toContain('$.id: "samples" is reserved');
    expect(problems({ ...good, files: [] })).toContain("$: needs at least one entry in files or search");
  });

  it("reports invalid JSON and an id that differs from the file name", () => {
    const d = tempDir("man");
    writeFileSync(join(d, "broken.json"), "{ not json");
    expect(() => loadManifest(join(d, "broken.json"))).toThrow(/broken\.json:\n {2}- not valid JSON/);
    writeFileSync(join(d, "other.json"), JSON.stringify(good));
    expect(() => loadManifest(join(d, "other.json"))).toThrow(/"demo" must match the file name "other\.json"/);
    expect(() => findManifest("nope", d)).toThrow(/Unknown dataset "nope"/);
  });

  it("safe relative paths", () => {
    expect(isSafeRelativePath("a/b.h5")).toBe(true);
    for (const p of ["", "/a", "a/../b", "..", "a//b", "C:/x", "a\\b"]) expect(isSafeRelativePath(p)).toBe(false);
  });
});

describe("the project's manifests", () => {
  const ms = loadManifests(manifestsDir());
  const byId = new Map(ms.map((m) => [m.id, m]));

  it("all validate and include the datasets the studies need", () => {
    for (const id of ["l4s-sample", "landslide4sense", "pyrate-cropA", "hyp3-sample", "zigui-geometry", "foshan-geometry", "s2-zigui-l1c", "alos-dem-zigui", "s1-zigui", "s1-foshan"]) {
      expect(byId.has(id), id).toBe(true);
    }
  });

  it("l4s-sample names the 15 real patch pairs", () => {
    const m = byId.get("l4s-sample")!;
    expect(m.files.length).toBe(30);
    expect(m.files.filter((f) => /^image_\d+\.h5$/.test(f.path)).length).toBe(15);
    expect(m.files.every((f) => f.url.startsWith("https://raw.githubusercontent.com/"))).toBe(true);
  });

  it("search specifications carry the papers' dates, tracks and counts", () => {
    const s1z = byId.get("s1-zigui")!.search![0];
    expect([s1z.start, s1z.end, s1z.relativeOrbit, s1z.expectedCount]).toEqual(["2023-02-09", "2025-01-05", 11, 43]);
    const s1f = byId.get("s1-foshan")!.search![0];
    expect([s1f.start, s1f.end, s1f.expectedCount]).toEqual(["2015-06-15", "2018-09-15", 85]);
    const s2 = byId.get("s2-zigui-l1c")!.search![0];
    expect([s2.start, s2.productType, s2.relativeOrbit]).toEqual(["2025-01-19", "S2MSI1C", 118]);
    expect(byId.get("s2-zigui-l1c")!.account).toBe("cdse");
    expect(byId.get("alos-dem-zigui")!.account).toBe("earthdata");
  });

  it("schema.json requires what the validator requires", () => {
    const schema = JSON.parse(readFileSync(join(manifestsDir(), "schema.json"), "utf8")) as {
      required: string[];
      properties: { files: { items: { required: string[] } } };
    };
    expect(schema.required.sort()).toEqual(["citation", "description", "files", "id", "licence", "title"]);
    expect(schema.properties.files.items.required.sort()).toEqual(["path", "sha256", "size", "url"]);
  });
});
