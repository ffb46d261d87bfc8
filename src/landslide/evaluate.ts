/** Loss and metrics of a trained model over a labelled patch set (inference mode). */
import * as tf from "@tensorflow/tfjs";
import { yieldToEventLoop } from "./infer";
import { bceFromLogits, bceLoss } from "./loss";
import { MetricAccumulator, type EpochMetrics } from "./metrics";
import { gatherBatch, type PatchSet } from "./patchset";
import { logitsModel } from "./unet";

/** Loss and metrics of `model` (inference mode) over a patch set. */
export async function evaluateSet(model: tf.LayersModel, s: PatchSet, batchSize: number, threshold: number): Promise<EpochMetrics> {
  const acc = new MetricAccumulator(threshold);
  const lm = logitsModel(model);
  for (let i = 0; i < s.count; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, s.count - i) }, (_, k) => i + k);
    const { x, y } = gatherBatch(s, idx);
    const [prob, loss] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [idx.length, s.size, s.size, s.channels]);
      const yt = tf.tensor4d(y, [idx.length, s.size, s.size, 1]);
      if (lm) {
        const z = lm.predict(xt) as tf.Tensor;
        return [tf.sigmoid(z), bceFromLogits(yt, z)];
      }
      const p = model.predict(xt) as tf.Tensor;
      return [p, bceLoss(yt, p)];
    });
    acc.addBatch((await prob.data()) as Float32Array, y, (await loss.data())[0]);
    tf.dispose([prob, loss]);
    await yieldToEventLoop();
  }
  return acc.result();
}

