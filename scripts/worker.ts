import { main } from "../src/cli/worker";

process.exitCode = await main(process.argv.slice(2));
