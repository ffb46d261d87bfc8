/** Every sample dataset `npm run data -- samples` builds. Add one import and one entry per simulator. */
import type { SampleDataset } from "./types";
<<<<<<< HEAD
import { l4sSample } from "./l4s";
import { ziguiSceneSample } from "./zigui-scene";
=======
import { psStack } from "./ps-stack";
>>>>>>> ps
import { sbasStackSample } from "./sbas-stack";

export type { SampleDataset, SampleBuildOptions } from "./types";

export const SAMPLE_DATASETS: SampleDataset[] = [
  // l4s, zigui-scene, sbas-stack, ps-stack register here.
  l4sSample,
  ziguiSceneSample,
  sbasStackSample,
  psStack,
];
