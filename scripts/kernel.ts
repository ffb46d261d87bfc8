import { main } from "../src/runner/kernel";

const code = main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
