/** Every sample dataset `npm run data -- samples` builds. Add one import and one entry per simulator. */
import type { SampleDataset } from "./types";
import { l4sSample } from "./l4s";
import { ziguiSceneSample } from "./zigui-scene";
import { sbasStackSample } from "./sbas-stack";
import { psStack } from "./ps-stack";

export type { SampleDataset, SampleBuildOptions } from "./types";

export const SAMPLE_DATASETS: SampleDataset[] = [l4sSample, ziguiSceneSample, sbasStackSample, psStack];
