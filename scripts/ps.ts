import { main } from "../src/cli/ps";

process.exitCode = await main(process.argv.slice(2));
