import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT_INFO, type AccountInfo } from "../../src/data/credentials";
import { authHeaders, fetchDataset, LOCK_FILE, readState, STATE_FILE, verifyDataset } from "../../src/data/fetch";
import { validateManifest, type Manifest } from "../../src/data/manifest";
import { makeZip } from "./archives";
import { dropMidFile, fixtureBytes, serveBytes, sha256, startServer, status, type TestServer, tempDir } from "./server";

process.env.DLAB_QUIET = "1";

let srv: TestServer;
let dataDir: string;
const a = fixtureBytes(50_000, 11);
const c = fixtureBytes(20_000, 12);
const inner = fixtureBytes(30_000, 13);
const zip = makeZip([{ name: "pack/inner/y.bin", data: inner, deflate: true }, { name: "pack/readme.txt", data: Buffer.from("hello") }]);
const fast = { retries: 3, backoffMs: 5, quiet: true, log: () => undefined };

function manifest(extra: Partial<Manifest> = {}, files?: Manifest["files"]): Manifest {
  return validateManifest(
    {
      id: "demo",
      title: "Demo",
      description: "fixture dataset",
      licence: "CC0",
      citation: "none",
      files: files ?? [
        { path: "a.bin", url: `${srv.url}/a.bin`, sha256: sha256(a), size: a.length },
        { path: "b/c.bin", url: `${srv.url}/c.bin`, sha256: sha256(c), size: c.length },
        { path: "pack.zip", url: `${srv.url}/pack.zip`, sha256: sha256(zip), size: zip.length, unpack: { format: "zip", strip: 1, to: "unpacked" } },
      ],
      ...extra,
    },
    "demo.json",
  );
}

function walk(d: string, base = ""): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), `${base}${e.name}/`) : [`${base}${e.name}`]));
}

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  dataDir = tempDir("fetch");
  srv.route("/a.bin", serveBytes(a));
  srv.route("/c.bin", serveBytes(c));
  srv.route("/pack.zip", serveBytes(zip));
  srv.requests.length = 0;
});

describe("fetchDataset", () => {
  it("downloads, verifies and unpacks, records the state, and reuses it on the next run", async () => {
    const m = manifest();
    const r = await fetchDataset(m, { dataDir, ...fast });
    expect(r.outcomes.map((o) => [o.path, o.status])).toEqual([["a.bin", "fetched"], ["b/c.bin", "fetched"], ["pack.zip", "fetched"]]);
    const dir = join(dataDir, "demo");
    expect(readFileSync(join(dir, "unpacked/inner/y.bin")).equals(inner)).toBe(true);
    expect(walk(dir).sort()).toEqual([STATE_FILE, "a.bin", "b/c.bin", "pack.zip", "unpacked/inner/y.bin", "unpacked/readme.txt"].sort());
    const st = readState(dir, "demo");
    expect(st.files["pack.zip"].extracted!.map((x) => x.path).sort()).toEqual(["unpacked/inner/y.bin", "unpacked/readme.txt"]);
    expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);

    srv.requests.length = 0;
    const again = await fetchDataset(m, { dataDir, ...fast });
    expect(again.outcomes.every((o) => o.status === "present")).toBe(true);
    expect(srv.requests.length).toBe(0);
  });

  it("verify finds a damaged file and a damaged unpacked entry; fetch repairs them", async () => {
    const m = manifest();
    await fetchDataset(m, { dataDir, ...fast });
    const dir = join(dataDir, "demo");
    const bad = Buffer.from(a);
    bad[10] ^= 1;
    writeFileSync(join(dir, "a.bin"), bad);
    writeFileSync(join(dir, "unpacked/readme.txt"), "HELLO");
    const v = await verifyDataset(m, { dataDir });
    expect(v.problems.map((p) => p.path)).toEqual(["a.bin", "unpacked/readme.txt"]);
    expect(v.problems[0].problem).toContain(`expected ${sha256(a)}, actual ${sha256(bad)}`);
    const r = await fetchDataset(m, { dataDir, ...fast });
    // a.bin is downloaded again; the intact archive is unpacked again to repair readme.txt.
    expect(r.outcomes.map((o) => o.status)).toEqual(["fetched", "present", "present"]);
    expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);
    expect(readFileSync(join(dir, "a.bin")).equals(a)).toBe(true);
  });

  it("survives a dropped connection and a 500 on the way", async () => {
    srv.route("/a.bin", dropMidFile(a, 1));
    srv.route("/c.bin", status(500, 1, serveBytes(c)));
    const r = await fetchDataset(manifest(), { dataDir, ...fast });
    expect(r.outcomes.every((o) => o.status === "fetched")).toBe(true);
    expect((await verifyDataset(manifest(), { dataDir })).problems).toEqual([]);
  });

  it("keeps going past a failing file, reports it, and leaves nothing of it in place", async () => {
    const m = manifest({}, [
      { path: "gone.bin", url: `${srv.url}/gone.bin`, sha256: sha256(a), size: a.length },
      { path: "a.bin", url: `${srv.url}/a.bin`, sha256: sha256(a), size: a.length },
    ]);
    const r = await fetchDataset(m, { dataDir, ...fast });
    expect(r.outcomes[0]).toMatchObject({ path: "gone.bin", status: "failed" });
    expect(r.outcomes[0].error).toMatch(/demo\/gone\.bin.*HTTP 404/);
    expect(r.outcomes[1].status).toBe("fetched");
    expect(walk(join(dataDir, "demo")).sort()).toEqual([STATE_FILE, "a.bin"]);
    const v = await verifyDataset(m, { dataDir });
    expect(v.problems).toEqual([{ path: "gone.bin", problem: "missing" }]);
  });

  it("refuses an archive carrying .dlab-state.json, a duplicate entry or another manifest file, writing nothing into the dataset", async () => {
    const hostile: [string, Buffer, RegExp][] = [
      ["state.zip", makeZip([{ name: "x/ok.bin", data: inner }, { name: "x/.dlab-state.json", data: Buffer.from('{"id":"demo","files":{}}') }]),
        /Refusing to unpack .*state\.zip: entry "x\/\.dlab-state\.json" is named like the fetcher's own records/],
      ["dup.zip", makeZip([{ name: "x/ok.bin", data: inner }, { name: "x/ok.bin", data: c }]), /Refusing to unpack .*dup\.zip: entry "x\/ok\.bin" appears twice/],
      ["clash.zip", makeZip([{ name: "x/a.bin", data: inner }]), /Refusing to unpack .*clash\.zip: entry "x\/a\.bin" would replace a\.bin/],
    ];
    for (const [name, bytes, re] of hostile) {
      dataDir = tempDir("fetch-hostile");
      srv.route(`/${name}`, serveBytes(bytes));
      const m = manifest({}, [
        { path: "a.bin", url: `${srv.url}/a.bin`, sha256: sha256(a), size: a.length },
        { path: name, url: `${srv.url}/${name}`, sha256: sha256(bytes), size: bytes.length, unpack: { format: "zip", strip: 1 } },
      ]);
      const r = await fetchDataset(m, { dataDir, ...fast });
      expect(r.outcomes.map((o) => o.status)).toEqual(["fetched", "failed"]);
      expect(r.outcomes[1].error).toMatch(re);
      const dir = join(dataDir, "demo");
      // Only what verified is there: the archive itself, nothing out of it; the record is the fetcher's own.
      expect(walk(dir).sort()).toEqual([STATE_FILE, "a.bin", name].sort());
      expect(readFileSync(join(dir, "a.bin")).equals(a)).toBe(true);
      expect(Object.keys(readState(dir, "demo").files)).toEqual(["a.bin"]);
    }
  });

  it("refuses a products.json path that leaves the dataset folder, for fetch and verify alike", async () => {
    const m = manifest({ search: [{ provider: "zenodo", record: "1", path: "p" }] }, []);
    const dir = join(dataDir, "demo");
    mkdirSync(dir, { recursive: true });
    const products = (path: string): string =>
      JSON.stringify({ id: "demo", files: [{ path, url: `${srv.url}/a.bin`, sha256: sha256(a), size: a.length }] });
    for (const path of ["../escape.bin", "/tmp/escape.bin", "p/../../escape.bin"]) {
      writeFileSync(join(dir, "products.json"), products(path));
      const said = `Product list ${join(dir, "products.json")}: files[0] path ${JSON.stringify(path)} leaves the dataset folder`;
      await expect(fetchDataset(m, { dataDir, ...fast })).rejects.toThrow(said);
      await expect(verifyDataset(m, { dataDir })).rejects.toThrow(said);
    }
    expect(existsSync(join(dataDir, "escape.bin"))).toBe(false);
    expect(srv.requests.length).toBe(0);
  });

  it("dataset ids and paths resolve only inside the data folder", async () => {
    const { datasetDir } = await import("../../src/data/fetch");
    const { datasetPath } = await import("../../src/samples/locate");
    const { findManifest } = await import("../../src/data/manifest");
    expect(datasetDir("pyrate-cropA", dataDir)).toBe(join(dataDir, "pyrate-cropA"));
    for (const id of ["../elsewhere", "../../../../elsewhere/manifest", "/etc", ".", ""]) {
      expect(() => datasetDir(id, dataDir)).toThrow(/which is not inside .*; refusing to use it/);
      expect(() => datasetPath(id, { dataDir })).toThrow(/which is not inside/);
    }
    expect(() => findManifest("../../../../elsewhere/manifest")).toThrow(/is not a dataset id: ids are plain names/);
    // A manifest built in code (not read from a file) is held to the same rule.
    const bad = { ...manifest(), id: "../escape" };
    await expect(fetchDataset(bad, { dataDir, ...fast })).rejects.toThrow(/Dataset id "\.\.\/escape" resolves to .*, which is not inside/);
    const badPath = { ...manifest(), files: [{ path: "../escape.bin", url: `${srv.url}/a.bin`, sha256: sha256(a), size: a.length }] };
    const r = await fetchDataset(badPath, { dataDir, ...fast });
    expect(r.outcomes[0].error).toMatch(/demo\/\.\.\/escape\.bin: path "\.\.\/escape\.bin" resolves to .*, which is not inside/);
    expect(existsSync(join(dataDir, "escape.bin"))).toBe(false);
  });

  it("refuses to start a download that cannot fit on the disk", async () => {
    const huge = 2 ** 50; // 1 PiB: more than any test machine has free
    const m = manifest({}, [{ path: "huge.bin", url: `${srv.url}/a.bin`, sha256: sha256(a), size: huge }]);
    const r = await fetchDataset(m, { dataDir, ...fast });
    expect(r.outcomes[0].error).toMatch(/^demo\/huge\.bin needs [\d.]+ TiB but only .* is free on .* \(set --data-dir or DLAB_DATA_DIR to a larger disk\)$/);
    expect(srv.requests.length).toBe(0);
  });

  it("deletes the archive when keepArchive is false but still verifies the unpacked files", async () => {
    const m = manifest({}, [{ path: "pack.zip", url: `${srv.url}/pack.zip`, sha256: sha256(zip), size: zip.length, unpack: { format: "zip", keepArchive: false, include: ["**/*.bin"] } }]);
    await fetchDataset(m, { dataDir, ...fast });
    expect(walk(join(dataDir, "demo")).sort()).toEqual([STATE_FILE, "pack/inner/y.bin"]);
    expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);
    srv.requests.length = 0;
    const again = await fetchDataset(m, { dataDir, ...fast });
    expect(again.outcomes[0].status).toBe("present");
    expect(srv.requests.length).toBe(0);
  });

  it("refuses the network when offline, and explains derived files", async () => {
    const r = await fetchDataset(manifest(), { dataDir, ...fast, offline: true });
    expect(r.outcomes[0].error).toMatch(new RegExp(`demo/a\\.bin \\(sha256 ${sha256(a)}\\) is not in any mirror \\(none given\\) and --offline forbids the network`));
    const d = manifest({}, [{ path: "lines.geojson", url: `${srv.url}/a.bin`, sha256: sha256(c), size: c.length, derived: "LineStrings extracted from a.bin" }]);
    const r2 = await fetchDataset(d, { dataDir, ...fast });
    expect(r2.outcomes[0].error).toMatch(/is derived from .*a\.bin \(LineStrings extracted from a\.bin\), so only a mirror has these bytes/);
    expect(srv.requests.length).toBe(0);
  });

  it("asks for an account only when the network is needed, without leaking secrets", async () => {
    const saved = { ...process.env };
    try {
      delete process.env.EARTHDATA_TOKEN;
      delete process.env.EARTHDATA_USERNAME;
      delete process.env.EARTHDATA_PASSWORD;
      process.env.NETRC = join(dataDir, "no-netrc");
      const m = manifest({ account: "earthdata" });
      const r = await fetchDataset(m, { dataDir, ...fast });
      expect(r.outcomes[0].error).toMatch(/needs a NASA Earthdata \(ASF\) account .*EARTHDATA_USERNAME.*machine urs\.earthdata\.nasa\.gov/);

      process.env.EARTHDATA_USERNAME = "alice";
      process.env.EARTHDATA_PASSWORD = "s3cret-pass-123";
      srv.route("/signed", (_q, res) => {
        res.writeHead(302, { location: "/final?X-Amz-Signature=abcdef123456&code=s3cret-pass-123" });
        res.end();
      });
      const m2 = manifest({ account: "earthdata" }, [{ path: "x.bin", url: `${srv.url}/signed`, sha256: sha256(a), size: a.length }]);
      const r2 = await fetchDataset(m2, { dataDir, ...fast });
      expect(r2.outcomes[0].status).toBe("failed");
      expect(r2.outcomes[0].error).toMatch(/HTTP 404/);
      expect(r2.outcomes[0].error).not.toContain("s3cret-pass-123");
      expect(r2.outcomes[0].error).not.toContain("abcdef123456");
      // 127.0.0.1 is not an Earthdata host: no credentials were sent anywhere.
      expect(srv.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});

describe("dataset lock", () => {
  it("refuses a second fetch while another process holds the lock, and takes over a stale lock", async () => {
    mkdirSync(join(dataDir, "demo"), { recursive: true });
    writeFileSync(join(dataDir, "demo", LOCK_FILE), String(process.ppid));
    await expect(fetchDataset(manifest(), { dataDir, ...fast })).rejects.toThrow(`Another fetch of demo is running (process ${process.ppid})`);
    writeFileSync(join(dataDir, "demo", LOCK_FILE), "999999999");
    const r = await fetchDataset(manifest(), { dataDir, ...fast });
    expect(r.outcomes.every((o) => o.status === "fetched")).toBe(true);
    expect(existsSync(join(dataDir, "demo", LOCK_FILE))).toBe(false);
  });
});

describe("authHeaders", () => {
  const info: AccountInfo = { ...ACCOUNT_INFO.earthdata };
  it("sends Basic only to the login host over https, bearer only to the service's hosts", () => {
    const basic = authHeaders({ account: "earthdata", username: "u", password: "p", origin: "test" }, undefined, info);
    expect(basic(new URL("https://urs.earthdata.nasa.gov/oauth/authorize"))).toEqual({ authorization: `Basic ${Buffer.from("u:p").toString("base64")}` });
    expect(basic(new URL("http://urs.earthdata.nasa.gov/oauth/authorize"))).toBeUndefined();
    expect(basic(new URL("https://datapool.asf.alaska.edu/SLC/SA/x.zip"))).toBeUndefined();
    expect(basic(new URL("https://bucket.s3.amazonaws.com/x.zip"))).toBeUndefined();
    const bearer = authHeaders({ account: "earthdata", token: "tok", origin: "test" }, undefined, info);
    expect(bearer(new URL("https://datapool.asf.alaska.edu/SLC/SA/x.zip"))).toEqual({ authorization: "Bearer tok" });
    expect(bearer(new URL("https://evil-asf.alaska.edu.example.com/x"))).toBeUndefined();
    expect(bearer(new URL("http://datapool.asf.alaska.edu/SLC/SA/x.zip"))).toBeUndefined();
    const cdse = authHeaders({ account: "cdse", username: "u", password: "p", origin: "t" }, "access", ACCOUNT_INFO.cdse);
    expect(cdse(new URL("https://download.dataspace.copernicus.eu/odata/v1/Products(1)/$value"))).toEqual({ authorization: "Bearer access" });
    expect(cdse(new URL("https://zipper.example.org/x"))).toBeUndefined();
  });
});

describe("state file", () => {
  it("is written atomically next to the data and names each file's source", async () => {
    await fetchDataset(manifest(), { dataDir, ...fast });
    const st = JSON.parse(readFileSync(join(dataDir, "demo", STATE_FILE), "utf8"));
    expect(st.files["a.bin"]).toMatchObject({ sha256: sha256(a), size: a.length, source: "network" });
    expect(existsSync(join(dataDir, "demo", `${STATE_FILE}.tmp-${process.pid}`))).toBe(false);
  });
});
