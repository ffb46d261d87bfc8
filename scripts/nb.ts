import { main } from "../src/cli/nb";

process.exitCode = main(process.argv.slice(2));
