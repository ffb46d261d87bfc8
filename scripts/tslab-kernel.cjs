// Jupyter starts this file for the "TypeScript (deformation-lab)" kernel. It runs tslab with the
// project root as working directory, whatever folder the notebook is in, so notebooks import the
// library as `./src/<module>` exactly as in `npm run reproduce`.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
const { startKernel } = require(path.join(root, "node_modules", "tslab", "dist", "main.js"));
startKernel({ configPath: process.argv[2], enableFindLocal: false });
