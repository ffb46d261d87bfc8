/**
 * Where the subway notebooks find their inputs, per data profile:
 *  - lines and stations: the real WGS-84 geometry of the Guangfo line, Foshan Line 2 and Guangzhou
 *    Line 7 (manifest `foshan-geometry`), fetched into `<data>/foshan-geometry/` or read from the mirror
 *    (`../shared/data/foshan`); the `sample` profile uses the simulated lines of the `ps-stack` sample,
 *    whose PS points were simulated around them;
 *  - PS points: the PS step's output `outputs/foshan-ps/ps.geojson` (notebook 20).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { mirrorDir } from "../notebook/environment";
import { readLines, readStations, type Station, type SubwayLine } from "../geometry/geojson";
import { dataDir, outputsDir, type DataProfile } from "../core/project";
import { readPsGeoJson, type PsPoints } from "./ps";

export const LINES_FILE = "foshan_metro_lines.geojson";
export const STATIONS_FILE = "foshan_metro_stations.geojson";

export interface SubwayGeometry {
  lines: SubwayLine[];
  stations: Station[];
  /** Files read. */
  source: string[];
  /** Real published geometry (true) or simulated sample lines (false). */
  real: boolean;
}

/**
 * Folders that may hold the real geometry, in order of preference: where the fetcher puts the
 * `foshan-geometry` dataset (`<data>/foshan-geometry/`), a hand-made `<data>/foshan/`, the mirror.
 */
export function realGeometryDirs(): string[] {
  const dirs = [join(dataDir(), "foshan-geometry"), join(dataDir(), "foshan")];
  const m = mirrorDir();
  if (m) dirs.push(join(m, "foshan"));
  return dirs;
}

export function findRealGeometry(): string | undefined {
  return realGeometryDirs().find((d) => existsSync(join(d, LINES_FILE)) && existsSync(join(d, STATIONS_FILE)));
}

export function readRealGeometry(dir: string): SubwayGeometry {
  // The mirrored files state their datum (properties.crs / collection name); nothing is assumed.
  const lines = readLines(join(dir, LINES_FILE));
  const stations = readStations(join(dir, STATIONS_FILE));
  return { lines, stations, source: [join(dir, LINES_FILE), join(dir, STATIONS_FILE)], real: true };
}

export function sampleLinesFile(): string {
  return join(dataDir(), "samples", "ps-stack", "lines.geojson");
}

/**
 * The lines for a profile. `sample`: the ps-stack sample's simulated lines (WGS-84, as its simulator
 * writes them), falling back to the real geometry when the sample has not been built; `mirror` and
 * `full`: the real geometry, or a clear error naming where it was looked for.
 */
export function loadSubwayGeometry(profile: DataProfile): SubwayGeometry {
  if (profile === "sample") {
    const f = sampleLinesFile();
    if (existsSync(f)) {
      return { lines: readLines(f, { datum: "WGS84" }), stations: [], source: [f], real: false };
    }
  }
  const dir = findRealGeometry();
  if (!dir) {
    throw new Error(
      `subway geometry not found: looked for ${LINES_FILE} and ${STATIONS_FILE} in ${realGeometryDirs().join(", ")}` +
        (profile === "sample" ? ` and for ${sampleLinesFile()} (build it with \`npm run data -- samples\`)` : " (fetch it with `npm run data -- fetch foshan-geometry`)"),
    );
  }
  return readRealGeometry(dir);
}

export function psOutputFile(): string {
  return join(outputsDir("foshan-ps"), "ps.geojson");
}

/** The PS step's points, or undefined when notebook 20 has not run. */
export function loadPsOutput(): PsPoints | undefined {
  const f = psOutputFile();
  return existsSync(f) ? readPsGeoJson(f) : undefined;
}
