import { main } from "../src/cli/settlement";

process.exitCode = main(process.argv.slice(2));
