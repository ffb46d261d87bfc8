/** The training settings of one run and how they come from the area's U-Net parameters. */
import { DEFAULT_UNET, type UNetParams } from "./params";

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Probability above which a pixel counts as landslide in the metrics. */
  threshold: number;
  /** Share of the patches held out for validation when no validation set is given. */
  validationFraction: number;
  /** Seed of the split, the initialisation, the batch order and the dropout masks. */
  seed: number;
}

/** The training part of U-Net parameters (a study passes its own, e.g. `ZIGUI_LANDSLIDES.unet`). */
export function trainConfigFromParams(p: UNetParams = DEFAULT_UNET): TrainConfig {
  return {
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    threshold: p.threshold,
    validationFraction: p.validationFraction,
    seed: p.seed,
  };
}

/** The generic training settings (src/landslide/params.ts; the Zigui paper's equal them). */
export const PAPER_TRAINING: TrainConfig = trainConfigFromParams();

