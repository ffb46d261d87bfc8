// Device-run entry (bundled with esbuild by bench/device/bundle.sh; see bench/notes/gpu-engine.md): runs
// bench/gpu.ts with the command-line flags and writes its JSON to $OUT/gpu.json as well as stdout.
import { writeFileSync } from "node:fs";
import { run } from "../gpu";

const result = await run(process.argv.slice(2));
const json = JSON.stringify(result, null, 1);
if (process.env.OUT) writeFileSync(`${process.env.OUT}/gpu-${process.env.RUN_TAG ?? "run"}.json`, json);
process.stdout.write(json + "\n");
process.exit(0);
