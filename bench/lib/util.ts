/** Helpers shared by the benchmarks (bench/<name>.ts); kept out of bench/ itself, whose .ts files are benchmarks. */

/** The value of `--name=value` among `args`, if given. */
export function arg(args: string[], name: string): string | undefined {
  return args.find((s) => s.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The middle element of `v` sorted (the upper one of an even count). */
export function median(v: number[]): number {
  return [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
}
