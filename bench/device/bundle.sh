#!/bin/sh
# Packs what a device run of the GPU engine needs into .device-carry/ (ignored by git; name it in `carry`
# together with .gl, the Vulkan loader debs of the device README): bench.mjs (gpu-entry.ts: bench/gpu.ts),
# check.mjs (gpu-check.ts) and train.mjs (train-sample.ts), each bundled (minified) with everything it
# imports except the native `webgpu` package, copied with its linux-x64 dawn.node (xz), and h5wasm's node
# build; and this machine's Node (xz). About 47 MB, under the device's 64 MB working-tree limit.
# On the device: sh bench/device/run.sh [check] [train] [bench flags…]
set -e
cd "$(dirname "$0")/../.."
mkdir -p .device-carry/webgpu/dist/linux-x64
# Bundled CommonJS code (typescript, pulled in by src/raster) expects require, __filename and __dirname.
BANNER="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
for pair in gpu-entry:bench gpu-check:check train-sample:train mir-compare:mir; do
  npx esbuild "bench/device/${pair%%:*}.ts" --bundle --platform=node --format=esm --target=node20 \
    --outfile=".device-carry/${pair##*:}.mjs" --external:webgpu --external:h5wasm --minify --log-level=warning --banner:js="$BANNER"
done
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .device-carry/webgpu/
[ -f .device-carry/webgpu/dist/linux-x64/dawn.node.xz ] || xz -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .device-carry/webgpu/dist/linux-x64/dawn.node.xz
# h5wasm's node build (the sample data are HDF5), imported at run time like webgpu.
mkdir -p .device-carry/h5wasm/dist/node && cp node_modules/h5wasm/package.json .device-carry/h5wasm/ && cp node_modules/h5wasm/dist/node/*.js .device-carry/h5wasm/dist/node/
[ -s .device-carry/node.xz ] || xz -T2 -6 -c "$(command -v node)" > .device-carry/node.xz
du -sh .device-carry
