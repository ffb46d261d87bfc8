/**
 * Weight initialisation as Keras does it, so a U-Net trained here starts from the distribution the
 * published Keras models started from.
 *
 * - `he_normal` = VarianceScaling(scale 2, fan_in, truncated normal): draws from N(0, 1) cut at ±2 and
 *   re-drawn outside, times √(2/fan_in)/0.87962566103423978. The divisor is the standard deviation of a
 *   unit normal truncated at ±2, so the weights' variance is exactly 2/fan_in. (tfjs' heNormal leaves
 *   the divisor out: its variance is 0.774 · 2/fan_in.)
 * - `glorot_uniform`: U(−l, l) with l = √(6/(fan_in + fan_out)), variance 2/(fan_in + fan_out).
 *
 * Fans of a convolution kernel of shape [kh, kw, a, b] are kh·kw·a (in) and kh·kw·b (out), as Keras
 * computes them from the shape (for a transposed convolution that swaps the roles; Glorot is symmetric).
 */
import { normal } from "../core/random";

/** Standard deviation of N(0, 1) truncated to [−2, 2] (Keras' VarianceScaling constant). */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** Fan-in and fan-out of a kernel shape as Keras computes them. */
export function kernelFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: rf * shape[shape.length - 2], fanOut: rf * shape[shape.length - 1] };
}

/** `n` draws of Keras' he_normal for a layer with `fanIn` inputs per output. `uniform` gives U[0, 1). */
export function heNormalKeras(n: number, fanIn: number, uniform: () => number): Float32Array {
  const z = normal(uniform);
  const std = Math.sqrt(2 / fanIn) / TRUNCATED_NORMAL_STD;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = z();
    while (Math.abs(v) > 2) v = z();
    out[i] = v * std;
  }
  return out;
}

/** `n` draws of Keras' glorot_uniform. */
export function glorotUniformKeras(n: number, fanIn: number, fanOut: number, uniform: () => number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * uniform() - 1) * limit;
  return out;
}
