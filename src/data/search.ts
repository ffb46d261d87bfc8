/**
 * Turns a manifest's search specification into a concrete product list through the public search
 * APIs: ASF search (Sentinel-1 SLC, ALOS PALSAR RTC with its 12.5 m DEM), Copernicus Data Space
 * OData (Sentinel-1/2) and Zenodo records. Each product becomes a ManifestFile carrying the checksum
 * the API publishes (MD5 for all three; SHA-256 where offered) and its size. The fetcher pins the
 * list in the dataset folder so later runs download exactly the same products.
 */
import type { ManifestFile, SearchSpec } from "./manifest";
import { globToRegExp } from "./archive";
import { httpJson, type HttpOptions } from "./download";

export interface SearchEndpoints {
  /** ASF search API base (default https://api.daac.asf.alaska.edu). */
  asf: string;
  /** CDSE catalogue OData base (default https://catalogue.dataspace.copernicus.eu/odata/v1). */
  cdseCatalogue: string;
  /** CDSE download OData base (default https://download.dataspace.copernicus.eu/odata/v1). */
  cdseDownload: string;
  /** Zenodo base (default https://zenodo.org). */
  zenodo: string;
}

export function defaultEndpoints(env: NodeJS.ProcessEnv = process.env): SearchEndpoints {
  return {
    asf: env.DLAB_ASF_SEARCH_URL ?? "https://api.daac.asf.alaska.edu",
    cdseCatalogue: env.DLAB_CDSE_CATALOGUE_URL ?? "https://catalogue.dataspace.copernicus.eu/odata/v1",
    cdseDownload: env.DLAB_CDSE_DOWNLOAD_URL ?? "https://download.dataspace.copernicus.eu/odata/v1",
    zenodo: env.DLAB_ZENODO_URL ?? "https://zenodo.org",
  };
}

export interface SearchResult {
  files: ManifestFile[];
  /** The query URL, for the record (no credentials: searches are anonymous). */
  query: string;
  /** Set when the count differs from the paper's. */
  warning?: string;
}

function bboxPolygon(b: [number, number, number, number]): string {
  const [w, s, e, n] = b;
  return `POLYGON((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s}))`;
}

function joinPath(dir: string, name: string): string {
  return dir === "." || dir === "" ? name : `${dir.replace(/\/$/, "")}/${name}`;
}

function unpackFor(spec: SearchSpec, name: string): Pick<ManifestFile, "unpack"> {
  if (!spec.unpack) return {};
  const ext = spec.unpack.format === "zip" ? ".zip" : spec.unpack.format === "tar.gz" ? ".tar.gz" : ".tar";
  return name.toLowerCase().endsWith(ext) ? { unpack: spec.unpack } : {};
}

// ------------------------------------------------------------------ ASF

export function asfQueryUrl(spec: SearchSpec, base: string): string {
  const p = new URLSearchParams();
  if (spec.collection) p.set("platform", spec.collection);
  if (spec.productType) p.set("processingLevel", spec.productType);
  if (spec.beamMode) p.set("beamMode", spec.beamMode);
  if (spec.polarization) p.set("polarization", spec.polarization);
  if (spec.relativeOrbit !== undefined) p.set("relativeOrbit", String(spec.relativeOrbit));
  if (spec.flightDirection) p.set("flightDirection", spec.flightDirection);
  if (spec.bbox) p.set("intersectsWith", bboxPolygon(spec.bbox));
  if (spec.start) p.set("start", `${spec.start}T00:00:00Z`);
  if (spec.end) p.set("end", `${spec.end}T23:59:59Z`);
  p.set("output", "geojson");
  p.set("maxResults", "5000");
  return `${base.replace(/\/$/, "")}/services/search/param?${p.toString()}`;
}

interface AsfFeature {
  properties: { fileName?: string; url?: string; bytes?: number; md5sum?: string; sceneName?: string; startTime?: string; pathNumber?: number | string };
}

export function asfToFiles(spec: SearchSpec, json: { features?: AsfFeature[] }, source: string): ManifestFile[] {
  if (!Array.isArray(json.features)) throw new Error(`ASF search ${source} returned no "features" list`);
  return json.features
    .map((f, i) => {
      const p = f.properties ?? {};
      if (!p.url || !p.fileName) throw new Error(`ASF search ${source}: feature ${i} has no url/fileName`);
      const file: ManifestFile = { path: joinPath(spec.path, p.fileName), url: p.url, ...unpackFor(spec, p.fileName) };
      if (typeof p.md5sum === "string" && /^[0-9a-f]{32}$/.test(p.md5sum)) file.md5 = p.md5sum;
      if (typeof p.bytes === "number") file.size = p.bytes;
      const note = [p.startTime ? `acquired ${p.startTime}` : "", p.pathNumber !== undefined ? `relative orbit ${p.pathNumber}` : ""].filter(Boolean).join("; ");
      if (note) file.note = note;
      return file;
    })
    .sort((a, b) => (a.note ?? "").localeCompare(b.note ?? "") || a.path.localeCompare(b.path));
}

// ------------------------------------------------------------------ CDSE OData

export function cdseFilter(spec: SearchSpec): string {
  const parts: string[] = [];
  if (spec.collection) parts.push(`Collection/Name eq '${spec.collection}'`);
  if (spec.bbox) parts.push(`OData.CSC.Intersects(area=geography'SRID=4326;${bboxPolygon(spec.bbox)}')`);
  if (spec.start) parts.push(`ContentDate/Start ge ${spec.start}T00:00:00.000Z`);
  if (spec.end) parts.push(`ContentDate/Start le ${spec.end}T23:59:59.999Z`);
  const strAttr = (name: string, value: string): string =>
    `Attributes/OData.CSC.StringAttribute/any(att:att/Name eq '${name}' and att/OData.CSC.StringAttribute/Value eq '${value}')`;
  if (spec.productType) parts.push(strAttr("productType", spec.productType));
  if (spec.flightDirection) parts.push(strAttr("orbitDirection", spec.flightDirection));
  if (spec.polarization) parts.push(strAttr("polarisationChannels", spec.polarization.replace("+", "&")));
  if (spec.beamMode) parts.push(strAttr("operationalMode", spec.beamMode));
  if (spec.relativeOrbit !== undefined) {
    parts.push(
      `Attributes/OData.CSC.IntegerAttribute/any(att:att/Name eq 'relativeOrbitNumber' and att/OData.CSC.IntegerAttribute/Value eq ${spec.relativeOrbit})`,
    );
  }
  return parts.join(" and ");
}

export function cdseQueryUrl(spec: SearchSpec, base: string): string {
  // Spaces as %20, not form-style "+": OData parsers are not all form decoders.
  const q = [["$filter", cdseFilter(spec)], ["$orderby", "ContentDate/Start asc"], ["$top", "1000"]]
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  return `${base.replace(/\/$/, "")}/Products?${q}`;
}

interface CdseProduct {
  Id: string;
  Name: string;
  ContentLength?: number;
  Online?: boolean;
  Checksum?: { Algorithm?: string; Value?: string }[];
  ContentDate?: { Start?: string };
}

export function cdseToFiles(spec: SearchSpec, products: CdseProduct[], downloadBase: string): ManifestFile[] {
  return products.map((p) => {
    // Products download as zipped SAFE folders.
    const name = `${p.Name.replace(/\.SAFE$/, "")}.zip`;
    const file: ManifestFile = {
      path: joinPath(spec.path, name),
      url: `${downloadBase.replace(/\/$/, "")}/Products(${p.Id})/$value`,
      ...unpackFor(spec, name),
    };
    for (const c of p.Checksum ?? []) {
      const alg = (c.Algorithm ?? "").toUpperCase();
      if (alg === "SHA256" && c.Value) file.sha256 = c.Value.toLowerCase();
      if (alg === "MD5" && c.Value) file.md5 = c.Value.toLowerCase();
    }
    if (typeof p.ContentLength === "number" && p.ContentLength > 0) file.size = p.ContentLength;
    const notes = [p.ContentDate?.Start ? `acquired ${p.ContentDate.Start}` : "", p.Online === false ? "offline in the archive (order it first)" : ""];
    const note = notes.filter(Boolean).join("; ");
    if (note) file.note = note;
    return file;
  });
}

// ------------------------------------------------------------------ Zenodo

interface ZenodoFile {
  key?: string;
  filename?: string;
  size?: number;
  filesize?: number;
  checksum?: string;
  links?: { self?: string; content?: string; download?: string };
}

export function zenodoToFiles(spec: SearchSpec, json: { files?: ZenodoFile[] }, base: string): ManifestFile[] {
  if (!Array.isArray(json.files)) throw new Error(`Zenodo record ${spec.record} lists no files`);
  return json.files.map((f) => {
    const key = f.key ?? f.filename;
    if (!key) throw new Error(`Zenodo record ${spec.record}: a file has no name`);
    const url =
      f.links?.content ?? f.links?.self ?? f.links?.download ??
      `${base.replace(/\/$/, "")}/records/${spec.record}/files/${encodeURIComponent(key)}/content`;
    const file: ManifestFile = { path: joinPath(spec.path, key), url, ...unpackFor(spec, key) };
    const [alg, value] = (f.checksum ?? "").split(":");
    if (alg === "md5" && value) file.md5 = value.toLowerCase();
    if (alg === "sha256" && value) file.sha256 = value.toLowerCase();
    const size = f.size ?? f.filesize;
    if (typeof size === "number") file.size = size;
    return file;
  });
}

// ------------------------------------------------------------------ dispatch

/** Runs a search spec against its provider. */
export async function searchProducts(
  spec: SearchSpec,
  endpoints: SearchEndpoints = defaultEndpoints(),
  http: HttpOptions = {},
): Promise<SearchResult> {
  let files: ManifestFile[];
  let query: string;
  if (spec.provider === "asf") {
    query = asfQueryUrl(spec, endpoints.asf);
    files = asfToFiles(spec, await httpJson<{ features?: AsfFeature[] }>(query, http), query);
  } else if (spec.provider === "cdse") {
    query = cdseQueryUrl(spec, endpoints.cdseCatalogue);
    const products: CdseProduct[] = [];
    let next: string | undefined = query;
    for (let page = 0; next && page < 100; page++) {
      const json: { value?: CdseProduct[]; "@odata.nextLink"?: string } = await httpJson(next, http);
      if (!Array.isArray(json.value)) throw new Error(`CDSE search ${query} returned no "value" list`);
      products.push(...json.value);
      next = json["@odata.nextLink"];
    }
    files = cdseToFiles(spec, products, endpoints.cdseDownload);
  } else {
    query = `${endpoints.zenodo.replace(/\/$/, "")}/api/records/${spec.record}`;
    files = zenodoToFiles(spec, await httpJson<{ files?: ZenodoFile[] }>(query, http), endpoints.zenodo);
  }
  if (spec.include) {
    const res = spec.include.map(globToRegExp);
    files = files.filter((f) => res.some((r) => r.test(f.path.replace(/^.*\//, ""))));
  }
  const result: SearchResult = { files, query };
  if (files.length === 0) throw new Error(`The ${spec.provider} search found no products for ${spec.path} (query: ${query})`);
  if (spec.expectedCount !== undefined && files.length !== spec.expectedCount) {
    // Without a track in the spec, the count per relative orbit is what tells the paper's track apart.
    const orbits = new Map<string, number>();
    for (const f of files) {
      const o = /relative orbit (\d+)/.exec(f.note ?? "")?.[1];
      if (o) orbits.set(o, (orbits.get(o) ?? 0) + 1);
    }
    const perOrbit = spec.relativeOrbit === undefined && orbits.size > 1
      ? ` (per relative orbit: ${[...orbits].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o}: ${n}`).join(", ")})`
      : "";
    result.warning =
      `${spec.provider} search for ${spec.path} found ${files.length} products${perOrbit}, the paper used ${spec.expectedCount}; ` +
      `review products.json in the dataset folder (e.g. several frames per date) and delete the extra entries to pin the paper's list`;
  }
  return result;
}
