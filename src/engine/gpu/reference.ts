/**
 * The U-Net of src/landslide/unet.ts written with plain tf ops and explicit dropout masks drawn like the
 * GPU engine's (`dropoutKeep`): the reference the engine's training step is checked against, in the tests
 * and in device runs (bench/device/gpu-check.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { UNetConfig } from "../unet-spec";
import { dropoutKeep, dropoutSalts } from "./kernels";

/** tf ops twin of the U-Net with explicit dropout masks (null: inference). Returns the logits. */
export function referenceLogits(x: tf.Tensor4D, w: Map<string, tf.Tensor>, c: UNetConfig, seed: number | null): tf.Tensor4D {
  const L = c.filters.length;
  const salts = dropoutSalts(L);
  const conv = (h: tf.Tensor4D, name: string): tf.Tensor4D => tf.relu(tf.add(tf.conv2d(h, w.get(`${name}/kernel`) as tf.Tensor4D, 1, "same"), w.get(`${name}/bias`)!)) as tf.Tensor4D;
  const drop = (h: tf.Tensor4D, rate: number, salt: number): tf.Tensor4D => {
    if (seed === null || rate === 0) return h;
    const mask = new Float32Array(h.size);
    for (let i = 0; i < mask.length; i++) mask[i] = dropoutKeep(seed, salt, i, rate) ? 1 / (1 - rate) : 0;
    return tf.mul(h, tf.tensor(mask, h.shape)) as tf.Tensor4D;
  };
  let h = x;
  const skips: tf.Tensor4D[] = [];
  for (let i = 0; i < L; i++) {
    h = conv(drop(conv(h, `enc${i + 1}_conv1`), c.encoderDropout[i], salts[i]), `enc${i + 1}_conv2`);
    if (i < L - 1) {
      skips.push(h);
      h = tf.maxPool(h, 2, 2, "valid");
    }
  }
  for (let j = L - 2; j >= 0; j--) {
    const [b, H, W] = h.shape;
    const k = w.get(`dec${j + 1}_up/kernel`) as tf.Tensor4D;
    const up = tf.add(tf.conv2dTranspose(h, k, [b, 2 * H, 2 * W, c.filters[j]], 2, "same"), w.get(`dec${j + 1}_up/bias`)!) as tf.Tensor4D;
    h = tf.concat([up, skips[j]], 3);
    h = conv(drop(conv(h, `dec${j + 1}_conv1`), c.decoderDropout[L - 2 - j], salts[L + (L - 2 - j)]), `dec${j + 1}_conv2`);
  }
  return tf.add(tf.conv2d(h, w.get("head_logits/kernel") as tf.Tensor4D, 1, "same"), w.get("head_logits/bias")!) as tf.Tensor4D;
}

export function bceFromLogitsOps(z: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
}


/** max |got − ref| / max |ref| over two equal-length arrays: the error measure of the engine's checks. */
export function maxRelErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(got[i] - ref[i]));
  }
  return err / Math.max(scale, 1e-30);
}
