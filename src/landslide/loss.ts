/** The training loss: binary cross-entropy as Keras computes it for a sigmoid output. */
import * as tf from "@tensorflow/tfjs";

/**
 * Binary cross-entropy from logits, mean over pixels: max(z,0) − z·y + log(1 + e^−|z|), what Keras computes
 * for a sigmoid output (it reaches through the sigmoid to its logits). Stable and never gradient-free.
 */
export function bceFromLogits(yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const l = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(l) as tf.Scalar;
  });
}

/** Binary cross-entropy of probabilities clipped to [1e-7, 1−1e-7] (Keras' formula without logits), mean over pixels. */
export function bceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const l = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(l)) as tf.Scalar;
  });
}

