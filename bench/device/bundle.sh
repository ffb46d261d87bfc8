#!/bin/sh
# Packs what a device run of the GPU engine needs into .device-carry/ (ignored by git; name it in `carry`
# together with .gl, the Vulkan loader debs of the device README): bench.mjs (gpu-entry.ts: bench/gpu.ts)
# and check.mjs (gpu-check.ts), each bundled with everything it imports except the native `webgpu`
# package, which is copied with its linux-x64 dawn.node (xz), and this machine's Node (xz).
# On the device: sh bench/device/run.sh [check] [bench flags…]
set -e
cd "$(dirname "$0")/../.."
mkdir -p .device-carry/webgpu/dist/linux-x64
# Bundled CommonJS code (typescript, pulled in by src/raster) expects require, __filename and __dirname.
BANNER="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
for pair in gpu-entry:bench gpu-check:check; do
  npx esbuild "bench/device/${pair%%:*}.ts" --bundle --platform=node --format=esm --target=node20 \
    --outfile=".device-carry/${pair##*:}.mjs" --external:webgpu --log-level=warning --banner:js="$BANNER"
done
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .device-carry/webgpu/
[ -f .device-carry/webgpu/dist/linux-x64/dawn.node.xz ] || xz -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .device-carry/webgpu/dist/linux-x64/dawn.node.xz
[ -s .device-carry/node.xz ] || xz -T2 -6 -c "$(command -v node)" > .device-carry/node.xz
du -sh .device-carry
