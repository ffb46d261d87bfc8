/** Deterministic uniform(−1,1) values (mulberry32) so kernel-test failures reproduce. */
export function randomArray(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function maxRelErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < ref.length; k++) m = Math.max(m, Math.abs(got[k] - ref[k]) / (1 + Math.abs(ref[k])));
  return m;
}

/** One convolution shape to check a kernel replacement on (NHWC input, HWIO filter). */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: "same" | "valid" | number;
}
