/**
 * The training run's random numbers (split, batch order, dropout): a splitmix32-style generator whose
 * whole state is one uint32, so a checkpoint stores it exactly. (src/core/random's mulberry32 serves the
 * simulators; this one must be resumable mid-stream.)
 */
/** splitmix32-style generator with a single uint32 of state, so it can be checkpointed exactly. */
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

