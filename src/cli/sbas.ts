/**
 * `npm run sbas -- --input <stack folder | ifgramStack.h5> --out <dir> [--param name=value]… [--write-stack]`
 *
 * Reads a HyP3, GAMMA-GeoTIFF or MintPy stack, runs the SBAS chain with the Zigui defaults
 * (src/studies/zigui/sbas.ts) overridden by `--param`, and writes MintPy-layout HDF5, GeoTIFFs,
 * coherent points (GeoJSON) and summary.json into `--out`. `--write-stack` also writes the input as
 * MintPy's inputs/ifgramStack.h5 + inputs/geometryGeo.h5 (what tools/mintpy_compare.py feeds MintPy).
 */
import { join } from "node:path";
import { applySbasParams, ZIGUI_SBAS } from "../studies/zigui/sbas";
import { loadStack } from "../sbas/load";
import { runSbas } from "../sbas/pipeline";
import { writeSbasOutputs } from "../sbas/outputs";
import { writeMintpyGeometry, writeMintpyStack } from "../sbas/mintpy-h5";

export const USAGE = `usage: npm run sbas -- --input <stack folder | ifgramStack.h5> --out <dir> [--param name=value]... [--write-stack] [--quiet]
parameters (defaults in src/studies/zigui/sbas.ts): ${Object.keys(ZIGUI_SBAS).join(", ")}`;

export interface CliArgs {
  input: string;
  out: string;
  params: Record<string, string>;
  writeStack: boolean;
  quiet: boolean;
}

export function parseArgs(argv: string[]): CliArgs {
  const params: Record<string, string> = {};
  let input = "";
  let out = "";
  let writeStack = false;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--input" || a === "-i") input = next();
    else if (a === "--out" || a === "-o") out = next();
    else if (a === "--param" || a === "-p") {
      const kv = next();
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`--param expects name=value, got "${kv}"`);
      params[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === "--write-stack") writeStack = true;
    else if (a === "--quiet" || a === "-q") quiet = true;
    else if (a === "--help" || a === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (!input || !out) throw new Error(`--input and --out are required\n${USAGE}`);
  return { input, out, params, writeStack, quiet };
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    const params = applySbasParams(ZIGUI_SBAS, args.params);
    const t0 = performance.now();
    const stack = await loadStack(args.input, { quiet: args.quiet });
    const readSeconds = (performance.now() - t0) / 1000;
    if (args.writeStack) {
      await writeMintpyStack(join(args.out, "inputs", "ifgramStack.h5"), stack);
      await writeMintpyGeometry(join(args.out, "inputs", "geometryGeo.h5"), stack);
    }
    const result = await runSbas(stack, params, { quiet: args.quiet });
    const files = await writeSbasOutputs(args.out, result, stack, params, { readSeconds });
    const v = result.velocity;
    let n = 0;
    for (let p = 0; p < v.length; p++) if (result.maskTempCoh[p]) n++;
    process.stdout.write(
      `${stack.dates.length} dates, ${result.network.pairs.length}/${stack.pairs.length} pairs, ${stack.width}×${stack.height} px; ` +
        `reference (row ${result.reference.row}, col ${result.reference.col}), date ${result.refDate}; ${n} reliable pixels\n` +
        `wrote ${files.length} files to ${args.out}\n` +
        (result.notes.length ? `notes: ${result.notes.join("; ")}\n` : ""),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`sbas: ${(e as Error).message}\n`);
    return 1;
  }
}
