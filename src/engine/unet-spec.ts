/**
 * The U-Net the training engine builds and trains (CPU through tfjs layers, GPU through src/engine/gpu):
 * its configuration, its checks and its closed-form parameter count. The engine owns this spec so that
 * its GPU kernels and the landslide area's tfjs builder (src/landslide/unet.ts) read one definition.
 *
 * Each encoder level: conv k×k (ReLU, same) → dropout → conv k×k, then a 2×2 max-pool before the next
 * level; the bottom level has no pool. Each decoder level: 2×2 stride-2 transposed convolution →
 * concatenate with the encoder level's output → conv → dropout → conv. A 1×1 convolution gives the logit.
 */

export interface UNetConfig {
  /** Patch side in pixels; must be divisible by 2^(levels−1). */
  inputSize: number;
  /** Feature channels. */
  inputChannels: number;
  /** Filters per encoder level, top to bottom; the decoder mirrors all but the last. */
  filters: number[];
  /** Dropout rate per encoder level (same length as `filters`). */
  encoderDropout: number[];
  /** Dropout rate per decoder level, bottom to top (length `filters.length − 1`). */
  decoderDropout: number[];
  /** Convolution kernel side (3). */
  kernelSize: number;
  /** Transposed-convolution kernel side and stride (2). */
  upsampleSize: number;
  /** Allow any input size divisible by 2^(levels−1) (fully convolutional), not only `inputSize`. */
  variableInputSize?: boolean;
}

/** "2×2 transposed convolution" between decoder levels (and 2×2 max-pooling). */
export const UPSAMPLE_SIZE = 2;

export function validateUNetConfig(c: UNetConfig): void {
  const L = c.filters.length;
  if (L < 1) throw new Error("U-Net config: filters must list at least one level");
  if (c.encoderDropout.length !== L) {
    throw new Error(`U-Net config: encoderDropout has ${c.encoderDropout.length} rates for ${L} levels`);
  }
  if (c.decoderDropout.length !== L - 1) {
    throw new Error(`U-Net config: decoderDropout has ${c.decoderDropout.length} rates for ${L - 1} decoder levels`);
  }
  const f = c.upsampleSize ** (L - 1);
  if (c.inputSize % f !== 0) throw new Error(`U-Net config: inputSize ${c.inputSize} is not divisible by ${f}`);
  if (!(c.inputChannels >= 1)) throw new Error(`U-Net config: inputChannels must be ≥ 1`);
}

/** Closed-form parameter count of the architecture, independent of any framework. */
export function unetParamCount(c: UNetConfig): number {
  const k2 = c.kernelSize * c.kernelSize;
  const u2 = c.upsampleSize * c.upsampleSize;
  const conv = (cin: number, cout: number, kk: number): number => cin * cout * kk + cout;
  let n = 0;
  let cin = c.inputChannels;
  for (const f of c.filters) {
    n += conv(cin, f, k2) + conv(f, f, k2);
    cin = f;
  }
  for (let j = c.filters.length - 2; j >= 0; j--) {
    const f = c.filters[j];
    n += conv(cin, f, u2) + conv(2 * f, f, k2) + conv(f, f, k2);
    cin = f;
  }
  return n + conv(cin, 1, 1);
}
