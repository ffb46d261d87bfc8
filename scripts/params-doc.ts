import { main } from "../src/cli/params-doc";

process.exitCode = main();
