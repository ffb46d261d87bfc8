/**
 * Seeded random numbers for the simulators, benchmarks and Monte-Carlo checks: mulberry32 is small,
 * fast and identical on every platform, so the same seed gives byte-identical sample datasets.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal draws (Box–Muller, cosine branch only: one uniform pair per draw keeps a seeded
 * stream's consumption simple to reason about when simulators interleave draws).
 */
export function normalDraw(rand: Rng): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A standard-normal generator over `rand` (see normalDraw). */
export function normal(rand: Rng): () => number {
  return () => normalDraw(rand);
}
