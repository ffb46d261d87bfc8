import { main } from "../src/sbas/cli";

process.exitCode = await main(process.argv.slice(2));
