import { main } from "../src/ps/cli";

process.exitCode = await main(process.argv.slice(2));
