/** `npm run data -- <command>`: see src/cli/data.ts for the commands. */
import { runCli } from "../src/cli/data";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
