import { main } from "../src/runner/reproduce";

process.exitCode = await main(process.argv.slice(2));
