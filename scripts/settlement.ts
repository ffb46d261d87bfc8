import { main } from "../src/cli/settlement";

process.exitCode = await main(process.argv.slice(2));
