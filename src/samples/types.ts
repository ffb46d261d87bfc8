/**
 * A deterministic sample dataset: a seeded simulator that writes files in the same formats the
 * real-data readers take, with ground truth beside them. `npm run data -- samples` builds every
 * registered dataset into `<data dir>/samples/<id>/`, rebuilt when `version` changes.
 */
export interface SampleBuildOptions {
  /** Seed of every random draw; the same seed gives byte-identical files. */
  seed: number;
  /** Scale factor for benchmarks (1 = the default small profile). */
  size: number;
  /** Report progress (e.g. through `progress()` from src/progress). */
  quiet?: boolean;
}

export interface SampleDataset {
  /** Folder name under samples/: `l4s`, `zigui-scene`, `sbas-stack`, `ps-stack`. */
  id: string;
  /** Bump when the simulator's output changes, so cached copies are rebuilt. */
  version: string;
  description: string;
  /** Writes the dataset into `outDir` (which exists and is empty). */
  build(outDir: string, opts: SampleBuildOptions): Promise<void>;
}
