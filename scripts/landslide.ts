/**
 * `npm run landslide -- <scene|features|train|evaluate|predict> [options]` — the Zigui landslide steps from the
 * command line, with the same parameters as the notebooks. `--help` after a command shows its options.
 */
import { runCli } from "../src/core/cli";
import { UsageError } from "../src/core/errors";
import { main as features } from "../src/cli/landslide-features";
import { main as model } from "../src/cli/landslide-model";
import { main as scene } from "../src/cli/landslide-scene";

const USAGE = `usage: npm run landslide -- <command> [options]

commands:
  scene      --safe <product> --dem <file|dir> --out <scene.tif>   14-band study scene from Sentinel-2 L1C + DEM
  features   --input <patch.h5 | scene.tif> --out <file.tif>   11-band feature GeoTIFF (Table 2 order)
  train      train the U-Net (Fig 1) on Landslide4Sense-format patches
  evaluate   precision, recall and F1 of a trained model, as JSON
  predict    probability GeoTIFF and polygons for a scene

Run "npm run landslide -- <command> --help" for a command's options.
`;

const [cmd, ...rest] = process.argv.slice(2);
process.exitCode = await runCli("landslide", async () => {
  if (cmd === "scene") return scene(rest);
  if (cmd === "features") return features(rest);
  if (cmd === "train" || cmd === "evaluate" || cmd === "predict") return model([cmd, ...rest]);
  if (cmd === undefined || cmd === "--help" || cmd === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  throw new UsageError(`unknown command "${cmd}"\n${USAGE}`);
});
