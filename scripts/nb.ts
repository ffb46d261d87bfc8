import { main } from "../src/runner/nb-cli";

process.exitCode = main(process.argv.slice(2));
