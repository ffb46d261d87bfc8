import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import { extractArchive, globToRegExp, listZip, readZipEntry, safeEntryPath, UnsafeArchiveError } from "../../src/data/archive";
import { makeTar, makeZip } from "./archives";
import { fixtureBytes, sha256, tempDir } from "./server";

let dir: string;
beforeEach(() => {
  dir = tempDir("arc");
});

function walk(d: string, base = ""): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name), `${base}${e.name}/`) : [`${base}${e.name}`],
  );
}

const img = fixtureBytes(70_000, 3);
const mask = fixtureBytes(5_000, 4);

describe("zip extraction", () => {
  it("unpacks stored and deflated entries with CRC check and reports hashes", async () => {
    const zip = join(dir, "a.zip");
    writeFileSync(zip, makeZip([{ name: "TrainData/" }, { name: "TrainData/img/image_1.h5", data: img, deflate: true }, { name: "TrainData/mask/mask_1.h5", data: mask }]));
    const out = await extractArchive(zip, "zip", join(dir, "t"));
    expect(out.map((f) => f.path).sort()).toEqual(["TrainData/img/image_1.h5", "TrainData/mask/mask_1.h5"]);
    expect(out.find((f) => f.path.endsWith("image_1.h5"))!.sha256).toBe(sha256(img));
    expect(readFileSync(join(dir, "t/TrainData/img/image_1.h5")).equals(img)).toBe(true);
  });

  it("reads zip64 end records and extra fields (archives past 4 GiB)", async () => {
    const zip = join(dir, "z64.zip");
    writeFileSync(zip, makeZip([{ name: "a/img.h5", data: img, deflate: true }, { name: "a/mask.h5", data: mask }], { zip64: true }));
    const out = await extractArchive(zip, "zip", join(dir, "t"));
    expect(out.map((f) => [f.path, f.size, f.sha256])).toEqual([
      ["a/img.h5", img.length, sha256(img)],
      ["a/mask.h5", mask.length, sha256(mask)],
    ]);
  });

  it("applies strip and include", async () => {
    const zip = join(dir, "a.zip");
    writeFileSync(zip, makeZip([{ name: "P1/x.dem.tif", data: img, deflate: true }, { name: "P1/x.vv.tif", data: mask }, { name: "P1/sub/y.dem.tif", data: mask }]));
    const out = await extractArchive(zip, "zip", join(dir, "t"), { strip: 1, include: ["**/*.dem.tif", "*.dem.tif"] });
    expect(out.map((f) => f.path).sort()).toEqual(["sub/y.dem.tif", "x.dem.tif"]);
    expect(walk(join(dir, "t")).sort()).toEqual(["sub/y.dem.tif", "x.dem.tif"]);
  });

  it("refuses zip-slip entries before writing anything", async () => {
    for (const bad of ["../evil.txt", "a/../../evil.txt", "/etc/evil", "C:/evil", "a\\..\\evil"]) {
      const zip = join(dir, "slip.zip");
      writeFileSync(zip, makeZip([{ name: "good.txt", data: mask }, { name: bad, data: mask }]));
      const target = join(dir, "t");
      await expect(extractArchive(zip, "zip", target)).rejects.toBeInstanceOf(UnsafeArchiveError);
      expect(walk(target)).toEqual([]);
      expect(existsSync(join(dir, "evil.txt"))).toBe(false);
    }
  });

  it("refuses symbolic links", async () => {
    const zip = join(dir, "link.zip");
    writeFileSync(zip, makeZip([{ name: "ok.txt", data: mask }, { name: "link", data: Buffer.from("/etc/passwd"), mode: 0o120777 }]));
    await expect(extractArchive(zip, "zip", join(dir, "t"))).rejects.toThrow(/link.*symbolic link/);
    expect(walk(join(dir, "t"))).toEqual([]);
  });

  it("refuses a zip with duplicate entry names before writing anything, naming the archive and entry", async () => {
    const cases: [Parameters<typeof makeZip>[0], number, RegExp][] = [
      [[{ name: "d/a.txt", data: img }, { name: "d/a.txt", data: mask }], 0, /entry "d\/a\.txt" appears twice; which copy is right cannot be told/],
      // Different names that land on one path once a leading folder is stripped.
      [[{ name: "x/a.txt", data: img }, { name: "y/a.txt", data: mask }], 1, /entry "y\/a\.txt" lands on "a\.txt" like entry "x\/a\.txt"/],
      [[{ name: "a", data: img }, { name: "a/b", data: mask }], 0, /entry "a\/b" needs a folder "a" where entry "a" is a file/],
      [[{ name: "a/b", data: img }, { name: "a", data: mask }], 0, /entry "a" is a file where other entries have a folder "a"/],
    ];
    for (const [entries, strip, re] of cases) {
      const zip = join(dir, "dup.zip");
      writeFileSync(zip, makeZip([{ name: "first.bin", data: img }, ...entries]));
      const target = join(dir, "t");
      const err = (await extractArchive(zip, "zip", target, { strip }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(UnsafeArchiveError);
      expect(err.message).toContain(`Refusing to unpack ${zip}: entry`);
      expect(err.message).toMatch(re);
      // Not even the staging folder was created: the zip is checked before anything exists.
      expect(existsSync(target)).toBe(false);
    }
  });

  it("refuses an archive carrying the fetcher's state file (.dlab-state.json) or a path it reserves", async () => {
    const target = join(dir, "t");
    for (const name of [".dlab-state.json", "pack/.dlab-state.json", "sub/.dlab-fetch.lock"]) {
      const zip = join(dir, "state.zip");
      writeFileSync(zip, makeZip([{ name: "ok.bin", data: img }, { name, data: Buffer.from("{}") }]));
      await expect(extractArchive(zip, "zip", target, { strip: name.startsWith("pack/") ? 1 : 0 })).rejects.toThrow(
        new RegExp(`Refusing to unpack .*state\\.zip: entry "${name.replace(/\./g, "\\.")}" is named like the fetcher's own records \\(\\.dlab-`),
      );
      expect(existsSync(target)).toBe(false);
    }
    const zip = join(dir, "clash.zip");
    writeFileSync(zip, makeZip([{ name: "a.bin", data: img }]));
    await expect(extractArchive(zip, "zip", target, { reserved: ["a.bin", "products.json"] })).rejects.toThrow(
      /entry "a\.bin" would replace a\.bin, a file the fetcher manages in this dataset/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it("detects a corrupt entry by its CRC and leaves no partial file", async () => {
    const zip = join(dir, "bad.zip");
    writeFileSync(zip, makeZip([{ name: "x.bin", data: img, deflate: true, badCrc: true }]));
    await expect(extractArchive(zip, "zip", join(dir, "t"))).rejects.toThrow(/CRC-32 mismatch in entry x\.bin/);
    expect(walk(join(dir, "t"))).toEqual([]);
  });

  it("reads single entries in place, stored or deflated, zip64 too, checking their CRC", () => {
    for (const zip64 of [false, true]) {
      const zip = join(dir, `one${zip64}.zip`);
      writeFileSync(zip, makeZip([{ name: "P.SAFE/MTD_MSIL1C.xml", data: mask, deflate: true }, { name: "P.SAFE/B01.jp2", data: img }], { zip64 }));
      const entries = listZip(zip);
      expect(readZipEntry(zip, entries[0]).equals(mask)).toBe(true);
      expect(readZipEntry(zip, entries[1]).equals(img)).toBe(true);
    }
    const bad = join(dir, "badcrc.zip");
    writeFileSync(bad, makeZip([{ name: "x.bin", data: img, deflate: true, badCrc: true }]));
    expect(() => readZipEntry(bad, listZip(bad)[0])).toThrow(/badcrc\.zip: CRC-32 mismatch in entry x\.bin/);
    const cut = join(dir, "cut.zip");
    const whole = makeZip([{ name: "x.bin", data: img }]);
    const entry = (writeFileSync(cut, whole), listZip(cut)[0]);
    writeFileSync(cut, whole.subarray(0, 5000));
    expect(() => readZipEntry(cut, entry)).toThrow(/cut\.zip: entry x\.bin is cut short/);
  });

  it("says a truncated file is not a zip", async () => {
    const zip = join(dir, "trunc.zip");
    writeFileSync(zip, makeZip([{ name: "x.bin", data: img }]).subarray(0, 1000));
    await expect(extractArchive(zip, "zip", join(dir, "t"))).rejects.toThrow(/trunc\.zip is not a zip archive.*truncated/);
  });

  it("reads zips written by a real tool when one is installed", async () => {
    let haveZip = true;
    try {
      execFileSync("python3", ["-c", "import zipfile"], { stdio: "ignore" });
    } catch {
      haveZip = false;
    }
    if (!haveZip) return;
    mkdirSync(join(dir, "src/d"), { recursive: true });
    writeFileSync(join(dir, "src/d/a.bin"), img);
    execFileSync("python3", ["-c", `import zipfile;z=zipfile.ZipFile(${JSON.stringify(join(dir, "p.zip"))},'w',zipfile.ZIP_DEFLATED);z.write(${JSON.stringify(join(dir, "src/d/a.bin"))},'d/a.bin');z.close()`]);
    const out = await extractArchive(join(dir, "p.zip"), "zip", join(dir, "t"));
    expect(out).toEqual([{ path: "d/a.bin", size: img.length, sha256: sha256(img) }]);
  });
});

describe("tar extraction", () => {
  it("unpacks tar.gz with ustar and pax long names", async () => {
    const long = `${"deep/".repeat(30)}file.bin`;
    const tgz = join(dir, "a.tar.gz");
    writeFileSync(tgz, zlib.gzipSync(makeTar([{ name: "top/", type: "5" }, { name: "top/a.bin", data: img }, { name: long, data: mask }])));
    const out = await extractArchive(tgz, "tar.gz", join(dir, "t"));
    expect(out.map((f) => f.path)).toEqual(["top/a.bin", long]);
    expect(readFileSync(join(dir, "t", long)).equals(mask)).toBe(true);
    expect(out[0].sha256).toBe(sha256(img));
  });

  it("reads archives from the system tar", async () => {
    // GNU tar writes names over 100 characters as ././@LongLink entries.
    const long = `${"n".repeat(120)}.bin`;
    mkdirSync(join(dir, "src/d"), { recursive: true });
    writeFileSync(join(dir, "src/d/a.bin"), img);
    writeFileSync(join(dir, "src/d", long), mask);
    try {
      execFileSync("tar", ["--format=gnu", "-czf", join(dir, "s.tar.gz"), "-C", join(dir, "src"), "d"], { stdio: "ignore" });
    } catch {
      return;
    }
    const out = await extractArchive(join(dir, "s.tar.gz"), "tar.gz", join(dir, "t"), { strip: 1 });
    expect(out.sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      { path: "a.bin", size: img.length, sha256: sha256(img) },
      { path: long, size: mask.length, sha256: sha256(mask) },
    ]);
  });

  it("refuses path traversal, symlinks and hard links", async () => {
    const cases: [Parameters<typeof makeTar>[0], RegExp][] = [
      [[{ name: "../../evil", data: mask }], /climbs out/],
      [[{ name: "/abs/evil", data: mask }], /absolute path/],
      [[{ name: "ln", type: "2", linkname: "/etc/passwd" }], /symbolic link/],
      [[{ name: "hard", type: "1", linkname: "x" }], /hard link/],
    ];
    for (const [entries, re] of cases) {
      const t = join(dir, "x.tar");
      // A good entry first: the stream has unpacked it when the bad one comes, and it must not stay.
      writeFileSync(t, makeTar([{ name: "good.bin", data: mask }, ...entries]));
      await expect(extractArchive(t, "tar", join(dir, "t"))).rejects.toThrow(re);
      expect(walk(join(dir, "t"))).toEqual([]);
    }
    expect(existsSync(join(dir, "evil"))).toBe(false);
  });

  it("refuses duplicate tar entries and the state file, leaving nothing in place", async () => {
    const cases: [Parameters<typeof makeTar>[0], RegExp][] = [
      [[{ name: "a.bin", data: img }, { name: "a.bin", data: mask }], /entry "a\.bin" appears twice/],
      [[{ name: ".dlab-state.json", data: Buffer.from("{}") }], /entry "\.dlab-state\.json" is named like the fetcher's own records/],
    ];
    for (const [entries, re] of cases) {
      const t = join(dir, "x.tar");
      writeFileSync(t, makeTar([{ name: "good.bin", data: mask }, ...entries]));
      await expect(extractArchive(t, "tar", join(dir, "t"))).rejects.toThrow(re);
      expect(walk(join(dir, "t"))).toEqual([]);
    }
  });

  it("names the archive when the gzip stream is corrupt", async () => {
    const t = join(dir, "bad.tar.gz");
    writeFileSync(t, fixtureBytes(4000, 8));
    await expect(extractArchive(t, "tar.gz", join(dir, "t"))).rejects.toThrow(/Cannot unpack .*bad\.tar\.gz \(tar\.gz\): incorrect header check/);
    expect(walk(join(dir, "t"))).toEqual([]);
  });

  it("reports a truncated archive", async () => {
    const t = join(dir, "x.tar");
    writeFileSync(t, makeTar([{ name: "a.bin", data: img }]).subarray(0, 5000));
    await expect(extractArchive(t, "tar", join(dir, "t"))).rejects.toThrow(/truncated/);
    expect(walk(join(dir, "t"))).toEqual([]);
  });
});

describe("paths and globs", () => {
  it("keeps entries inside the target", () => {
    expect(safeEntryPath("a", "/tmp/x", "./a/b.txt")).toEqual({ rel: "a/b.txt", abs: "/tmp/x/a/b.txt" });
    expect(safeEntryPath("a", "/tmp/x", "top/", 1)).toBeNull();
    expect(() => safeEntryPath("a", "/tmp/x", "a/../../b")).toThrow(UnsafeArchiveError);
  });
  it("matches globs by path component", () => {
    expect(globToRegExp("*.zip").test("S1A_x.zip")).toBe(true);
    expect(globToRegExp("*.zip").test("dir/S1A_x.zip")).toBe(false);
    expect(globToRegExp("**/*.dem.tif").test("a/b/c.dem.tif")).toBe(true);
    expect(globToRegExp("img/image_?.h5").test("img/image_7.h5")).toBe(true);
  });
});
