import { main } from "../bench/run";

process.exitCode = await main(process.argv.slice(2));
