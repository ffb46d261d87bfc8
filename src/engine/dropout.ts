/**
 * Fast seeded dropout. `tf.dropout(x, rate, noiseShape, seed)` draws its mask in JavaScript one element at
 * a time (seedrandom's Alea, outside any kernel): for the paper's U-Net that is ≈ 7.6 million draws per
 * batch-8 step, ≈ 0.1–0.2 s, a fifth of the whole step once the convolutions are fast. Here the mask comes
 * from a counter-based hash in the engine's WASM (SIMD, all threads), and is applied with `tf.mul`, so the
 * gradient is the same mask (as tf.dropout's). Same seed, same mask, whatever the thread count; the masks
 * differ from tf.dropout's for the same seed (a different generator).
 */
import * as tf from "@tensorflow/tfjs";
import type { Engine } from "./engine";

/** Mask values: 0 with probability `rate`, else 1/(1−rate), from (seed, element index) only. */
export function dropoutMask(e: Engine, count: number, rate: number, seed: number, out?: Float32Array): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`dropout mask size must be a non-negative integer, got ${count}`);
  const dst = out ?? new Float32Array(count);
  if (dst.length !== count) throw new Error(`dropout mask output has ${dst.length} values, expected ${count}`);
  if (count === 0) return dst;
  e.reset();
  const p = e.alloc(count * 4);
  const threshold = Math.min(0xffffffff, Math.round(rate * 2 ** 32)) >>> 0;
  const scale = new Float32Array([1 / (1 - rate)]);
  const scaleBits = new Int32Array(scale.buffer)[0];
  e.run("dropout_mask", [p, count, seed | 0, threshold | 0, scaleBits], count >= 65536 ? e.threads : 1);
  dst.set(e.f32(p, count));
  return dst;
}

/**
 * x · mask / (1 − rate) with a mask drawn by `dropoutMask` (rate 0: x itself). Differentiable in x through
 * `tf.mul`; call it where a layer would call `tf.dropout(x, rate, undefined, seed)` in training.
 */
export function fastDropout(e: Engine, x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate === 0) return x;
  const mask = dropoutMask(e, x.size, rate, seed);
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, "float32")));
}
