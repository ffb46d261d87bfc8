#!/bin/sh
# Device side of a GPU-engine run (see bundle.sh): unpack the Vulkan loader, Node and dawn.node, then run
# bench.mjs with the given flags. Output JSON goes to $OUT.
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
xz -dc .device-carry/node.xz > /tmp/node && chmod +x /tmp/node
mkdir -p node_modules && rm -rf node_modules/webgpu && cp -r .device-carry/webgpu node_modules/ && xz -d node_modules/webgpu/dist/linux-x64/dawn.node.xz
rm -rf node_modules/h5wasm && cp -r .device-carry/h5wasm node_modules/
nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv,noheader
if [ "$1" = "check" ]; then shift; /tmp/node .device-carry/check.mjs || exit 1; fi
if [ "$1" = "train" ]; then shift; /tmp/node .device-carry/train.mjs || exit 1; fi
if [ "$1" = "mir" ]; then shift; /tmp/node .device-carry/mir.mjs || exit 1; fi
if [ "$#" -gt 0 ]; then /tmp/node .device-carry/bench.mjs "$@"; fi
