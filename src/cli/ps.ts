/**
 * `npm run ps -- --input <stack> --out <dir> [--study foshan] [--param name=value ...] [--dostep S | --start S --end S] ...`
 *
 * Runs the PS-InSAR steps (select → link → network → integrate → filter → outputs) on a stack (ISCE2 folder,
 * complex GeoTIFF folder or .h5; see src/ps/open.ts) into <dir>: one product per step
 * (candidates.h5, linking.h5, network.h5, integration.h5, filtering.h5) and the outputs ps.geojson, ps.csv,
 * velocity.tif, summary.json (and ps.h5 with --hdf5). Steps whose product is up to date are skipped.
 * Parameters: PS_SCHEMA's generic defaults, or a study's values with --study.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { prepareOutputDir } from "../core/atomic";
import { optionHelp, parseCommand, requireOption, runCli, type OptionTable } from "../core/cli";
import { FileError, UsageError, errorMessage } from "../core/errors";
import { applyParams, defaultsOf, paramHelp, parseAssignments, type StudyOverrides } from "../core/params";
import { PS_SCHEMA, PS_STEPS, type PsParams } from "../ps/params";
import { runPsSteps, stepsOf } from "../ps/pipeline";
import { runSummary } from "../ps/outputs";
import { FOSHAN_PS, FOSHAN_PS_OVERRIDES } from "../studies/foshan/ps";

/** Studies `--study` knows: their resolved parameters and the overrides shown in --help. */
const STUDIES: Readonly<Record<string, { params: PsParams; overrides: StudyOverrides<PsParams> }>> = {
  foshan: { params: FOSHAN_PS, overrides: FOSHAN_PS_OVERRIDES },
};

export const OPTIONS = {
  input: { type: "string", value: "PATH", description: "stack: ISCE2 topsStack folder, complex GeoTIFF folder or stack .h5" },
  out: { type: "string", value: "DIR", description: "output folder (step products and outputs)" },
  study: { type: "string", value: "NAME", description: `start from a study's parameters (${Object.keys(STUDIES).join(", ")}); default the generic ones` },
  param: { type: "string", value: "NAME=VALUE", multiple: true, description: "set one parameter (see the list below)" },
  dostep: { type: "string", value: "STEP", description: `run only this step (${PS_STEPS.join(", ")})` },
  start: { type: "string", value: "STEP", description: "first step to run" },
  end: { type: "string", value: "STEP", description: "last step to run" },
  force: { type: "boolean", description: "re-run the chosen steps even when their products are up to date" },
  reference: { type: "string", value: "LON,LAT", description: "reference point (nearest PS); default the most coherent stable PS" },
  "classic-only": { type: "boolean", description: "classic amplitude-dispersion PS only (no multilooked PS)" },
  hdf5: { type: "boolean", description: "also write ps.h5 (MintPy point time series)" },
  quiet: { type: "boolean", description: "no progress bars" },
  help: { type: "boolean", short: "h", description: "this help" },
} as const satisfies OptionTable;

export function helpText(): string {
  const [name, study] = Object.entries(STUDIES)[0];
  return [
    "usage: npm run ps -- --input <stack> --out <dir> [options]",
    "",
    `steps, in order: ${PS_STEPS.join(" → ")}`,
    "",
    "options:",
    optionHelp(OPTIONS),
    "",
    `parameters (--param name=value): generic default, meaning, {range}, (source); "${name}:" lines are --study ${name}'s values`,
    paramHelp(PS_SCHEMA, study.overrides, name),
  ].join("\n");
}

export interface PsCliArgs {
  input: string;
  out: string;
  params: PsParams;
  reference?: { lon: number; lat: number };
  steps: { dostep?: string; start?: string; end?: string };
  force: boolean;
  classicOnly: boolean;
  hdf5: boolean;
  quiet: boolean;
}

/** Parses and checks the command line (every check that needs no file); throws UsageError. */
export function parsePsArgs(argv: readonly string[]): PsCliArgs | "help" {
  const { options: o } = parseCommand(argv, OPTIONS);
  if (o.help) return "help";
  const input = resolve(requireOption(o.input, "input"));
  const out = resolve(requireOption(o.out, "out"));
  let base = defaultsOf(PS_SCHEMA);
  if (o.study !== undefined) {
    const s = STUDIES[o.study];
    if (!s) throw new UsageError(`--study "${o.study}" is not known (studies: ${Object.keys(STUDIES).join(", ")})`);
    base = s.params;
  }
  const params = applyParams(PS_SCHEMA, base, parseAssignments(o.param));
  let reference: { lon: number; lat: number } | undefined;
  if (o.reference !== undefined) {
    const [lon, lat] = o.reference.split(",").map((v) => Number(v.trim()));
    if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) throw new UsageError(`--reference expects LON,LAT in degrees, got "${o.reference}"`);
    reference = { lon, lat };
  }
  const steps = { dostep: o.dostep, start: o.start, end: o.end };
  stepsOf(steps);
  return {
    input,
    out,
    params,
    reference,
    steps,
    force: o.force,
    classicOnly: o["classic-only"],
    hdf5: o.hdf5,
    quiet: o.quiet,
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  return runCli("ps", async () => {
    const args = parsePsArgs(argv);
    if (args === "help") {
      process.stdout.write(helpText() + "\n");
      return 0;
    }
    try {
      prepareOutputDir(args.out);
    } catch (e) {
      throw new UsageError(`--out ${errorMessage(e)}`);
    }
    if (!existsSync(args.input)) {
      throw new FileError(args.input, "no such stack folder or file (build the sample with `npm run data -- samples`)");
    }
    const r = await runPsSteps(args.input, args.out, args.params, {
      steps: args.steps,
      force: args.force,
      reference: args.reference,
      classicOnly: args.classicOnly,
      hdf5: args.hdf5,
      quiet: args.quiet,
    });
    const lines = [`steps run: ${r.ran.join(", ") || "none"}${r.skipped.length ? `; up to date, skipped: ${r.skipped.join(", ")}` : ""}`];
    if (r.run) {
      const c = r.run.counts;
      const s = runSummary(r.run);
      lines.push(
        `PS: ${c.classic} classic, ${c.multilook} multilooked, ${c.candidates} merged, ${c.arcsKept}/${c.arcs} arcs kept, ${c.ps} PS written`,
        `velocity ${JSON.stringify(s.velocity)} mm/yr`,
      );
    }
    lines.push(...r.files.map((f) => `wrote ${f}`));
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  });
}
