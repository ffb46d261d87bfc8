/**
 * How notebooks find their input data. The `sample` profile reads the simulated datasets under
 * `<data dir>/samples/<id>/`; `mirror` and `full` read the real datasets fetched by manifest into
 * `<data dir>/<id>/` (from a mirror folder or the network). When the data is not there, the error
 * says which command puts it there.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dataProfile, projectRoot, type DataProfile } from "../core/project";
import { MissingDataError } from "../core/errors";
import { datasetDir, fetchDataset, STATE_FILE, type DatasetState } from "../data/fetch";
import { findManifest } from "../data/manifest";
import { mirrorDirs } from "../data/mirror";
import { buildSamples, readStamp, sampleDir, stampMatches, DEFAULT_SAMPLE_SEED, SAMPLE_DATASETS } from "./index";
import type { SampleDataset } from "./registry";

export { MissingDataError };

/** The folder of a fetched dataset (`<data dir>/<id>`); throws naming the fetch command when absent. */
export function datasetPath(id: string, opts: { dataDir?: string; profile?: DataProfile } = {}): string {
  const dir = datasetDir(id, opts.dataDir);
  if (existsSync(join(dir, STATE_FILE))) return dir;
  const cmd = opts.profile === "mirror" ? `npm run data -- fetch ${id} --mirror ../shared/data` : `npm run data -- fetch ${id}`;
  throw new MissingDataError(`Dataset ${id} has not been fetched into ${dir}. Run: ${cmd}`, cmd);
}

/** The folder of a built sample dataset; throws naming the build command when absent or stale. */
export function samplePath(id: string, opts: { dataDir?: string; registry?: SampleDataset[] } = {}): string {
  const dir = sampleDir(id, opts.dataDir);
  const cmd = `npm run data -- samples --only ${id}`;
  const stamp = readStamp(dir);
  if (!stamp) throw new MissingDataError(`Sample dataset ${id} has not been built into ${dir}. Run: ${cmd}`, cmd);
  const ds = (opts.registry ?? SAMPLE_DATASETS).find((d) => d.id === id);
  if (ds && ds.version !== stamp.version) {
    throw new MissingDataError(
      `Sample dataset ${id} in ${dir} is version ${stamp.version}, the simulator is now ${ds.version}. Run: ${cmd}`,
      cmd,
    );
  }
  return dir;
}

/** What a notebook step reads: a sample dataset id and the manifest id of the real data. */
export interface ProfileInput {
  /** Sample dataset id (`l4s`, `zigui-scene`, `sbas-stack`, `ps-stack`). */
  sample: string;
  /** Manifest id of the real data for the mirror/full profiles (`l4s-sample`, `pyrate-cropA`, ...). */
  real: string;
  /** Manifest id used by the full profile when it differs (e.g. `landslide4sense` instead of `l4s-sample`). */
  full?: string;
}

export interface ResolvedInput {
  profile: DataProfile;
  /** `sample` for a simulated dataset, `dataset` for a fetched one. */
  kind: "sample" | "dataset";
  id: string;
  dir: string;
}

/** Finds the input folder for the active profile (`DLAB_PROFILE`, or the notebook's `profile`). */
export function resolveProfileInput(input: ProfileInput, profile: DataProfile = dataProfile(), opts: { dataDir?: string } = {}): ResolvedInput {
  if (profile === "sample") return { profile, kind: "sample", id: input.sample, dir: samplePath(input.sample, opts) };
  const id = profile === "full" ? (input.full ?? input.real) : input.real;
  return { profile, kind: "dataset", id, dir: datasetPath(id, { ...opts, profile }) };
}

/**
 * Mirror folders the `mirror` profile may fetch from without asking: `DLAB_MIRROR`, else the
 * `../shared/data` folder beside the project when it exists (where CI keeps its mirror).
 */
export function defaultMirrors(): string[] {
  const fromEnv = mirrorDirs([]);
  if (fromEnv.length) return fromEnv;
  const beside = resolve(projectRoot(), "..", "shared", "data");
  return existsSync(join(beside, "SOURCES.json")) ? [beside] : [];
}

/**
 * Like resolveProfileInput, but provides what is missing when that is cheap and offline: a missing or
 * stale sample dataset is built (default seed), and under the `mirror` profile a dataset not fetched
 * yet is fetched from the mirror folders (offline, verified). The `full` profile never downloads on
 * its own: the error names the command.
 */
export async function ensureProfileInput(
  input: ProfileInput,
  profile: DataProfile = dataProfile(),
  opts: { dataDir?: string; registry?: SampleDataset[]; quiet?: boolean; mirrors?: string[] } = {},
): Promise<ResolvedInput> {
  if (profile === "mirror" && !existsSync(join(datasetDir(input.real, opts.dataDir), STATE_FILE))) {
    const mirrors = opts.mirrors ?? defaultMirrors();
    if (mirrors.length) {
      const r = await fetchDataset(findManifest(input.real), { dataDir: opts.dataDir, mirrors, offline: true, quiet: opts.quiet });
      const failed = r.outcomes.filter((o) => o.status === "failed");
      if (failed.length) {
        throw new MissingDataError(
          `Dataset ${input.real} could not be taken from the mirror (${mirrors.join(", ")}): ${failed.length} file(s) failed, e.g. ${failed[0].error}`,
          `npm run data -- fetch ${input.real} --mirror <folder>`,
        );
      }
    }
  }
  if (profile === "sample") {
    const registry = opts.registry ?? SAMPLE_DATASETS;
    const ds = registry.find((d) => d.id === input.sample);
    const stamp = readStamp(sampleDir(input.sample, opts.dataDir));
    if (ds && !stamp) {
      await buildSamples({ dataDir: opts.dataDir, only: [ds.id], seed: DEFAULT_SAMPLE_SEED, quiet: opts.quiet }, registry);
    } else if (ds && stamp && !stampMatches(stamp, ds, stamp.seed, stamp.size)) {
      await buildSamples({ dataDir: opts.dataDir, only: [ds.id], seed: stamp.seed, size: stamp.size, quiet: opts.quiet }, registry);
    }
    return { profile, kind: "sample", id: input.sample, dir: samplePath(input.sample, { dataDir: opts.dataDir, registry }) };
  }
  return resolveProfileInput(input, profile, opts);
}

/**
 * A short provenance note for a notebook or report: what the dataset is, its licence and citation,
 * and where this copy came from.
 */
export function describeDataset(id: string, opts: { dataDir?: string } = {}): string {
  const m = findManifest(id);
  const lines = [`**${m.title}** (\`${m.id}\`)`, "", `Licence: ${m.licence}`, "", `Cite: ${m.citation}`];
  const stateFile = join(datasetDir(id, opts.dataDir), STATE_FILE);
  if (existsSync(stateFile)) {
    const st = JSON.parse(readFileSync(stateFile, "utf8")) as DatasetState;
    const recs = Object.values(st.files ?? {});
    const by = (s: string): number => recs.filter((r) => r.source === s).length;
    const bytes = recs.reduce((a, r) => a + r.size, 0);
    lines.push("", `This copy: ${recs.length} file(s), ${(bytes / 2 ** 20).toFixed(1)} MiB, verified by sha256 (${by("network")} downloaded, ${by("mirror")} from a mirror, ${by("present")} already present), last updated ${st.updated}.`);
  }
  return lines.join("\n");
}
