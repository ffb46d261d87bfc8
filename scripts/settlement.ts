import { main } from "../src/settlement-cli";

process.exitCode = main(process.argv.slice(2));
