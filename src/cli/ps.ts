/**
 * `npm run ps -- --input <stack> --out <dir> [--param name=value ...] [--reference lon,lat] [--classic-only] [--hdf5] [--quiet]`
 *
 * Runs the Foshan improved PS-InSAR on a stack (ISCE2 folder, complex GeoTIFF folder or .h5; see `open.ts`) and writes ps.geojson, ps.csv,
 * velocity.tif, summary.json (and ps.h5 with --hdf5) into <dir>. Parameters default to FOSHAN_PS (src/studies/foshan/ps.ts).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { FOSHAN_PS, withPsOverrides } from "../studies/foshan/ps";
import { openStack } from "../ps/open";
import { runPs } from "../ps/pipeline";
import { runSummary, writePsOutputs } from "../ps/outputs";

export const USAGE =
  "usage: npm run ps -- --input <ISCE2 stack folder | complex GeoTIFF stack folder | stack .h5> --out <dir> [--param name=value ...] " +
  "[--reference lon,lat] [--classic-only] [--hdf5] [--quiet]\n" +
  `parameters (defaults from FOSHAN_PS): ${Object.entries(FOSHAN_PS)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ")}`;

export interface PsCliArgs {
  input: string;
  out: string;
  params: Record<string, string>;
  reference?: { lon: number; lat: number };
  classicOnly: boolean;
  hdf5: boolean;
  quiet: boolean;
}

export function parsePsArgs(argv: string[]): PsCliArgs {
  let input = "";
  let out = "";
  const params: Record<string, string> = {};
  let reference: { lon: number; lat: number } | undefined;
  let classicOnly = false;
  let quiet = false;
  let hdf5 = false;
  for (let a = 0; a < argv.length; a++) {
    const arg = argv[a];
    const value = (): string => {
      const v = argv[++a];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--input") input = value();
    else if (arg === "--out") out = value();
    else if (arg === "--param") {
      const p = value();
      const eq = p.indexOf("=");
      if (eq <= 0) throw new Error(`--param expects name=value, got "${p}"`);
      params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    } else if (arg === "--reference") {
      const [lon, lat] = value().split(",").map(Number);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new Error(`--reference expects lon,lat`);
      reference = { lon, lat };
    } else if (arg === "--classic-only") classicOnly = true;
    else if (arg === "--quiet") quiet = true;
    else if (arg === "--hdf5") hdf5 = true;
    else if (arg === "--help" || arg === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (!input || !out) throw new Error(`--input and --out are required\n${USAGE}`);
  return { input: resolve(input), out: resolve(out), params, reference, classicOnly, hdf5, quiet };
}

/** Runs the CLI; returns the process exit code (errors are printed, not thrown). */
export async function main(argv: string[]): Promise<number> {
  let args: PsCliArgs;
  try {
    args = parsePsArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    if (!existsSync(args.input)) {
      throw new Error(`${args.input}: no such stack folder (build the sample with \`npm run data -- samples\`)`);
    }
    const params = withPsOverrides(args.params);
    const stack = await openStack(args.input);
    try {
      const run = await runPs(stack, params, { quiet: args.quiet, reference: args.reference, classicOnly: args.classicOnly });
      const files = await writePsOutputs(args.out, run, { hdf5: args.hdf5, bperp: stack.meta.bperp });
      const s = runSummary(run);
      process.stdout.write(
        `PS: ${run.counts.classic} classic, ${run.counts.multilook} multilooked, ${run.counts.candidates} merged, ` +
          `${run.counts.arcsKept}/${run.counts.arcs} arcs kept, ${run.counts.ps} PS written\n` +
          `velocity ${JSON.stringify(s.velocity)} mm/yr\n` +
          Object.values(files)
            .filter(Boolean)
            .map((f) => `wrote ${f}`)
            .join("\n") +
          "\n",
      );
    } finally {
      stack.close?.();
    }
    return 0;
  } catch (e) {
    process.stderr.write(`ps: ${(e as Error).message}\n`);
    return 1;
  }
}
