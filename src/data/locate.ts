/**
 * How notebooks find their input data. The `sample` profile reads the simulated datasets under
 * `<data dir>/samples/<id>/`; `mirror` and `full` read the real datasets fetched by manifest into
 * `<data dir>/<id>/` (from a mirror folder or the network). When the data is not there, the error
 * says which command puts it there.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dataDir, dataProfile, type DataProfile } from "../project";
import { STATE_FILE } from "./fetch";
import { buildSamples, readStamp, sampleDir, stampMatches, DEFAULT_SAMPLE_SEED, SAMPLE_DATASETS } from "./samples";
import type { SampleDataset } from "./samples/index";

export class MissingDataError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = "MissingDataError";
  }
}

/** The folder of a fetched dataset (`<data dir>/<id>`); throws naming the fetch command when absent. */
export function datasetPath(id: string, opts: { dataDir?: string; profile?: DataProfile } = {}): string {
  const dir = join(dataDir(opts.dataDir), id);
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
 * Like resolveProfileInput, but builds a missing or stale sample dataset first (with the default
 * seed), so a fresh clone runs its notebooks offline without a separate step.
 */
export async function ensureProfileInput(
  input: ProfileInput,
  profile: DataProfile = dataProfile(),
  opts: { dataDir?: string; registry?: SampleDataset[]; quiet?: boolean } = {},
): Promise<ResolvedInput> {
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
