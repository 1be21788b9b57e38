# Sourced by the GPU machine's scripts: unpacks the carried Node, koffi, onnxruntime-node and
# sharp (.dev-carry/) and the Vulkan loader (.gl/, see the device tool's README), and points
# NVML, nvidia-smi and Vulkan at the NVIDIA driver. Make .dev-carry/ once, here, after npm ci
# (it stays out of git; the device tool carries it, 45 MB):
#   xz -9 < "$(command -v node)" > .dev-carry/node.xz
#   tar cJf .dev-carry/koffi.tar.xz node_modules/koffi node_modules/@koromix/koffi-linux-x64
#   tar cJf .dev-carry/ortsharp.tar.xz node_modules/onnxruntime-node/{package.json,dist,lib,bin/napi-v6/linux/x64} \
#     node_modules/onnxruntime-common node_modules/sharp node_modules/@img/{colour,sharp-linux-x64,sharp-libvips-linux-x64} \
#     node_modules/detect-libc node_modules/semver
# On your own NVIDIA machine (Node.js, npm ci and npm run build done, `pip install -r
# bench/requirements.txt`), there is no .dev-carry/ or .gl/: the machine's own Node and
# libraries are used, and the scripts run as they are, with OUT set to a folder for the results.
if [ -x /tmp/node ] && [ -d node_modules/onnxruntime-node/bin ] && [ -d node_modules/koffi ]; then
  : # unpacked by an earlier call on this machine (the device keeps a warm machine's files)
elif [ -f .dev-carry/node.xz ]; then
  xz -dc .dev-carry/node.xz > /tmp/node && chmod +x /tmp/node
  tar xJf .dev-carry/koffi.tar.xz && tar xJf .dev-carry/ortsharp.tar.xz
else
  ln -sf "$(command -v node)" /tmp/node
fi
if ls .gl/*.deb > /dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
[ -d /usr/local/nvidia ] && export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} PATH=/usr/local/nvidia/bin:$PATH \
  VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export CARBONLENS_CACHE=${CARBONLENS_CACHE:-/tmp/cache} OUT=${OUT:?set OUT to a folder for the results}
mkdir -p "$OUT"
# A step that fails shows the end of its log and makes the script exit non-zero at the end,
# after the other steps have run: a failure is never hidden behind a later success.
FAILED=0
failed() { echo "FAILED: $1"; tail -n 15 "$1"; FAILED=1; }
trap 'rc=$?; [ "$rc" -eq 0 ] && rc=$FAILED; exit "$rc"' EXIT
