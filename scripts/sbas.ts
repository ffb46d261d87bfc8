import { main } from "../src/cli/sbas";

process.exitCode = await main(process.argv.slice(2));
