import { main } from "../src/cli/queue";

process.exitCode = await main(process.argv.slice(2));
