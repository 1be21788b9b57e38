# Sourced by the GPU machine's scripts: unpacks the carried Node, koffi, onnxruntime-node and
# sharp (.dev-carry/) and the Vulkan loader (.gl/, see the device tool's README), and points
# NVML, nvidia-smi and Vulkan at the NVIDIA driver. Make .dev-carry/ once, here, after npm ci
# (it stays out of git; the device tool carries it, 45 MB):
#   xz -9 < "$(command -v node)" > .dev-carry/node.xz
#   tar cJf .dev-carry/koffi.tar.xz node_modules/koffi node_modules/@koromix/koffi-linux-x64
#   tar cJf .dev-carry/ortsharp.tar.xz node_modules/onnxruntime-node/{package.json,dist,lib,bin/napi-v6/linux/x64} \
#     node_modules/onnxruntime-common node_modules/sharp node_modules/@img/{colour,sharp-linux-x64,sharp-libvips-linux-x64} \
#     node_modules/detect-libc node_modules/semver
xz -dc .dev-carry/node.xz > /tmp/node && chmod +x /tmp/node
tar xJf .dev-carry/koffi.tar.xz && tar xJf .dev-carry/ortsharp.tar.xz
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib PATH=/usr/local/nvidia/bin:$PATH
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json CARBONLENS_CACHE=/tmp/cache
