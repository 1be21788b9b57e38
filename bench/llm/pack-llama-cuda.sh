#!/usr/bin/env bash
# node-llama-cpp (the version in package-lock.json) with its run-time dependencies and its prebuilt
# llama.cpp builds for Linux x64, CUDA (@node-llama-cpp/linux-x64-cuda, built for CUDA 13) and
# CPU (@node-llama-cpp/linux-x64), as one xz tar cut into pieces under 58,000,000 bytes in
# .llama-cuda/part.NN (ignored by git), for the GPU machine, which has no Node.js packages and no
# network: the device tool carries at most 64 MiB a call, so each piece goes over in a call of its
# own, copied to /tmp/llama-cuda-pieces/ there (docs/benchmarks.md), and bench/llm/gguf-setup.sh
# joins and unpacks them. Run after npm ci, here:
#   bash bench/llm/pack-llama-cuda.sh
# (node-llama-cpp's llama.cpp source bundle, llama/gitRelease.bundle, stays behind: nothing is built there.)
set -euo pipefail
DEST=${1:-.llama-cuda}
for p in node_modules/@node-llama-cpp/linux-x64-cuda node_modules/@node-llama-cpp/linux-x64; do
  [ -f "$p/package.json" ] || { echo "$p is not installed (npm ci on Linux x64 installs it)"; exit 1; }
done
mapfile -t closure < <(node bench/llm/llama-closure.cjs)
rm -rf "$DEST" && mkdir -p "$DEST"
tar cf - --exclude=node_modules/node-llama-cpp/llama/gitRelease.bundle \
  "${closure[@]}" node_modules/@node-llama-cpp/linux-x64-cuda node_modules/@node-llama-cpp/linux-x64 |
  xz -T2 -6 | split -b 57000000 -d -a 2 - "$DEST/part."
node -p 'JSON.stringify({ node_llama_cpp: require("./node_modules/node-llama-cpp/package.json").version,
  cuda: require("./node_modules/@node-llama-cpp/linux-x64-cuda/package.json").version,
  cpu: require("./node_modules/@node-llama-cpp/linux-x64/package.json").version })' > "$DEST/versions.json"
(cd "$DEST" && sha256sum part.* > SHA256SUMS)
ls -l "$DEST"
