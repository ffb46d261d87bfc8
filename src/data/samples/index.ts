/** Every sample dataset `npm run data -- samples` builds. Add one import and one entry per simulator. */
import type { SampleDataset } from "./types";
import { psStack } from "./ps-stack";
import { sbasStackSample } from "./sbas-stack";

export type { SampleDataset, SampleBuildOptions } from "./types";

export const SAMPLE_DATASETS: SampleDataset[] = [
  // l4s, zigui-scene, sbas-stack, ps-stack register here.
  sbasStackSample,
  psStack,
];
