import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cdseAccessToken, fetchDataset, PRODUCTS_FILE, verifyDataset } from "../../src/data/fetch";
import { findManifest, validateManifest, type Manifest } from "../../src/data/manifest";
import { asfQueryUrl, cdseFilter, searchProducts, type SearchEndpoints } from "../../src/data/search";
import { makeZip } from "./archives";
import { fixtureBytes, md5, serveBytes, startServer, type TestServer, tempDir } from "./server";

process.env.DLAB_QUIET = "1";

let srv: TestServer;
let endpoints: SearchEndpoints;
const slc1 = makeZip([{ name: "S1A_IW_SLC__1SDV_20230209.SAFE/manifest.safe", data: fixtureBytes(3000, 31) }]);
const slc2 = makeZip([{ name: "S1A_IW_SLC__1SDV_20230221.SAFE/manifest.safe", data: fixtureBytes(3000, 32) }]);
const quiet = { quiet: true, log: () => undefined, retries: 1, backoffMs: 1 };

function asfFeature(name: string, body: Buffer, start: string): unknown {
  return { type: "Feature", geometry: null, properties: { fileName: `${name}.zip`, url: `${srv.url}/dl/${name}.zip`, bytes: body.length, md5sum: md5(body), sceneName: name, startTime: start } };
}

beforeAll(async () => {
  srv = await startServer();
  endpoints = { asf: srv.url, cdseCatalogue: `${srv.url}/odata/v1`, cdseDownload: `${srv.url}/dl-odata/v1`, zenodo: srv.url };
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  srv.requests.length = 0;
  // Canned answers in the shape the real APIs give.
  srv.route("/services/search/param", (_q, res) => {
    res.writeHead(200, { "content-type": "application/geo+json" });
    res.end(JSON.stringify({ type: "FeatureCollection", features: [asfFeature("S1A_IW_SLC__1SDV_20230221", slc2, "2023-02-21T10:00:00Z"), asfFeature("S1A_IW_SLC__1SDV_20230209", slc1, "2023-02-09T10:00:00Z")] }));
  });
  srv.route("/dl/S1A_IW_SLC__1SDV_20230209.zip", serveBytes(slc1));
  srv.route("/dl/S1A_IW_SLC__1SDV_20230221.zip", serveBytes(slc2));
  srv.route("/odata/v1/Products", (q, res) => {
    const page2 = (q.url ?? "").includes("skip=1");
    const p = (id: string, name: string, body: Buffer): unknown => ({ Id: id, Name: name, ContentLength: body.length, Online: true, Checksum: [{ Algorithm: "MD5", Value: md5(body) }], ContentDate: { Start: "2025-01-19T03:21:09.024Z" } });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        page2
          ? { value: [p("bbbb-2", "S2A_MSIL1C_20250119T032121_N0511_R118_T49RDQ_20250119T050212.SAFE", slc2)] }
          : { value: [p("aaaa-1", "S2A_MSIL1C_20250119T032121_N0511_R118_T49RCQ_20250119T050212.SAFE", slc1)], "@odata.nextLink": `${srv.url}/odata/v1/Products?skip=1` },
      ),
    );
  });
  srv.route("/dl-odata/v1/Products(aaaa-1)/$value", serveBytes(slc1));
  srv.route("/dl-odata/v1/Products(bbbb-2)/$value", serveBytes(slc2));
  srv.route("/api/records/10463239", (_q, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ files: [{ key: "TrainData.zip", size: slc1.length, checksum: `md5:${md5(slc1)}`, links: { self: `${srv.url}/z/TrainData.zip` } }, { key: "README.md", size: 5, checksum: `md5:${md5(Buffer.from("hello"))}`, links: { self: `${srv.url}/z/README.md` } }] }));
  });
  srv.route("/z/TrainData.zip", serveBytes(slc1));
  srv.route("/z/README.md", serveBytes(Buffer.from("hello")));
});

describe("search queries", () => {
  it("builds the ASF search query from the Zigui Sentinel-1 specification", () => {
    const spec = findManifest("s1-zigui").search![0];
    const u = new URL(asfQueryUrl(spec, "https://api.daac.asf.alaska.edu"));
    expect(u.pathname).toBe("/services/search/param");
    expect(Object.fromEntries(u.searchParams)).toEqual({
      platform: "SENTINEL-1",
      processingLevel: "SLC",
      beamMode: "IW",
      relativeOrbit: "11",
      intersectsWith: "POLYGON((110.3 30.6333,111 30.6333,111 31.1833,110.3 31.1833,110.3 30.6333))",
      start: "2023-02-09T00:00:00Z",
      end: "2025-01-05T23:59:59Z",
      output: "geojson",
      maxResults: "5000",
    });
  });

  it("builds the CDSE OData filter for the Sentinel-2 L1C scene", () => {
    const f = cdseFilter(findManifest("s2-zigui-l1c").search![0]);
    expect(f).toContain("Collection/Name eq 'SENTINEL-2'");
    expect(f).toContain("OData.CSC.Intersects(area=geography'SRID=4326;POLYGON((110.3 30.6333,");
    expect(f).toContain("ContentDate/Start ge 2025-01-19T00:00:00.000Z and ContentDate/Start le 2025-01-19T23:59:59.999Z");
    expect(f).toContain("att/Name eq 'productType' and att/OData.CSC.StringAttribute/Value eq 'S2MSI1C'");
    expect(f).toContain("att/Name eq 'relativeOrbitNumber' and att/OData.CSC.IntegerAttribute/Value eq 118");
  });
});

describe("search → product list → fetch (canned responses on loopback)", () => {
  it("ASF: turns the spec into a sorted product list with MD5 and size, warns about the count, pins it", async () => {
    const spec = findManifest("s1-zigui").search![0];
    const r = await searchProducts(spec, endpoints);
    expect(r.files.map((f) => f.path)).toEqual(["slc/S1A_IW_SLC__1SDV_20230209.zip", "slc/S1A_IW_SLC__1SDV_20230221.zip"]);
    expect(r.files[0]).toMatchObject({ md5: md5(slc1), size: slc1.length, url: `${srv.url}/dl/S1A_IW_SLC__1SDV_20230209.zip` });
    expect(r.warning).toMatch(/found 2 products, the paper used 43/);

    const dataDir = tempDir("search");
    const m = findManifest("s1-zigui");
    const saved = { ...process.env };
    process.env.EARTHDATA_TOKEN = "tok-123456";
    try {
      const rep = await fetchDataset(m, { dataDir, endpoints, ...quiet });
      expect(rep.outcomes.map((o) => o.status)).toEqual(["fetched", "fetched"]);
      expect(rep.warnings[0]).toMatch(/paper used 43/);
      const pinned = JSON.parse(readFileSync(join(dataDir, "s1-zigui", PRODUCTS_FILE), "utf8"));
      expect(pinned.files.length).toBe(2);
      expect(pinned.queries[0]).toContain("/services/search/param?platform=SENTINEL-1");
      expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);
      // The pinned list serves later runs, even offline: no new search.
      srv.requests.length = 0;
      const again = await fetchDataset(m, { dataDir, endpoints, offline: true, ...quiet });
      expect(again.outcomes.map((o) => o.status)).toEqual(["present", "present"]);
      expect(srv.requests.length).toBe(0);

      // A shared disk holding the same SLC zips under other names serves as a mirror for MD5-only products.
      const disk = tempDir("slcdisk");
      writeFileSync(join(disk, "first.zip"), slc1);
      writeFileSync(join(disk, "second.zip"), slc2);
      const other = tempDir("search2");
      mkdirSync(join(other, "s1-zigui"));
      copyFileSync(join(dataDir, "s1-zigui", PRODUCTS_FILE), join(other, "s1-zigui", PRODUCTS_FILE));
      const fromDisk = await fetchDataset(m, { dataDir: other, endpoints, offline: true, mirrors: [disk], ...quiet });
      expect(fromDisk.outcomes.map((o) => o.status)).toEqual(["mirrored", "mirrored"]);
      expect(srv.requests.length).toBe(0);
    } finally {
      process.env = saved;
    }
  });

  it("ASF: without a track in the spec, the count warning lists products per relative orbit", async () => {
    srv.route("/services/search/param", (_q, res) => {
      const f = (name: string, orbit: number): unknown => ({ properties: { fileName: `${name}.zip`, url: `${srv.url}/dl/${name}.zip`, bytes: 1, startTime: "2016-01-01T00:00:00Z", pathNumber: orbit } });
      res.writeHead(200);
      res.end(JSON.stringify({ features: [f("A", 113), f("B", 113), f("C", 55)] }));
    });
    const r = await searchProducts(findManifest("s1-foshan").search![0], endpoints);
    expect(r.warning).toContain("found 3 products (per relative orbit: 113: 2, 55: 1), the paper used 85");
  });

  it("CDSE: follows @odata.nextLink and downloads from the OData $value endpoint", async () => {
    const r = await searchProducts(findManifest("s2-zigui-l1c").search![0], endpoints);
    expect(r.files.map((f) => [f.path, f.url])).toEqual([
      ["safe/S2A_MSIL1C_20250119T032121_N0511_R118_T49RCQ_20250119T050212.zip", `${srv.url}/dl-odata/v1/Products(aaaa-1)/$value`],
      ["safe/S2A_MSIL1C_20250119T032121_N0511_R118_T49RDQ_20250119T050212.zip", `${srv.url}/dl-odata/v1/Products(bbbb-2)/$value`],
    ]);
    expect(r.files[1]).toMatchObject({ md5: md5(slc2), size: slc2.length });
    const q = srv.requests[0].path;
    expect(q).not.toContain("+");
    expect(new URL(q, srv.url).searchParams.get("$filter")).toMatch(/^Collection\/Name eq 'SENTINEL-2' and /);
  });

  it("CDSE: exchanges username and password for a token at the identity endpoint", async () => {
    srv.route("/token", (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "acc-789", expires_in: 600 }));
    });
    const tok = await cdseAccessToken({ account: "cdse", username: "bob", password: "pw-secret-1", origin: "test" }, `${srv.url}/token`);
    expect(tok).toBe("acc-789");
    const body = new URLSearchParams(srv.requests.at(-1)!.body);
    expect(Object.fromEntries(body)).toEqual({ grant_type: "password", client_id: "cdse-public", username: "bob", password: "pw-secret-1" });
    srv.route("/token", (_q, res) => {
      res.writeHead(401);
      res.end("{}");
    });
    const err = (await cdseAccessToken({ account: "cdse", username: "bob", password: "pw-secret-1", origin: "$CDSE_USERNAME/$CDSE_PASSWORD" }, `${srv.url}/token`).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/Copernicus Data Space login failed \(credentials from \$CDSE_USERNAME\/\$CDSE_PASSWORD\): HTTP 401/);
    expect(err.message).not.toContain("pw-secret-1");
  });

  it("Zenodo: lists a record's files with their MD5 and unpacks only the zip archives", async () => {
    const dataDir = tempDir("zen");
    const m = findManifest("landslide4sense");
    const rep = await fetchDataset(m, { dataDir, endpoints, ...quiet });
    expect(rep.outcomes.map((o) => [o.path, o.status])).toEqual([["TrainData.zip", "fetched"], ["README.md", "fetched"]]);
    expect(existsSync(join(dataDir, "landslide4sense/S1A_IW_SLC__1SDV_20230209.SAFE/manifest.safe"))).toBe(true);
    expect((await verifyDataset(m, { dataDir })).problems).toEqual([]);
  });

  it("an empty search result is an error naming the query", async () => {
    srv.route("/services/search/param", (_q, res) => {
      res.writeHead(200);
      res.end(JSON.stringify({ type: "FeatureCollection", features: [] }));
    });
    const spec: Manifest["search"] = validateManifest({
      id: "x", title: "t", description: "d", licence: "l", citation: "c", files: [],
      search: [{ provider: "asf", collection: "SENTINEL-1", bbox: [1, 2, 3, 4], start: "2020-01-01", end: "2020-01-02", path: "slc" }],
    }).search;
    await expect(searchProducts(spec![0], endpoints)).rejects.toThrow(/The asf search found no products for slc \(query: http:\/\/127\.0\.0\.1:\d+\/services\/search\/param\?/);
  });

  it("offline without a pinned list says what to do", async () => {
    const dataDir = tempDir("off");
    await expect(fetchDataset(findManifest("s1-foshan"), { dataDir, endpoints, offline: true, ...quiet })).rejects.toThrow(
      /s1-foshan is defined by a search \(asf\) and has no pinned product list/,
    );
  });
});
