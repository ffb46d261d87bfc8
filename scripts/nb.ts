import { main } from "../src/cli/nb";

process.exitCode = await main(process.argv.slice(2));
