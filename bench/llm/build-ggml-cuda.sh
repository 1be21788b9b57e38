#!/usr/bin/env bash
# llama.cpp's CUDA kernels (libggml-cuda.so) for one GPU architecture, built from the llama.cpp
# commit node-llama-cpp carries (node_modules/node-llama-cpp/llama/gitRelease.bundle), with the
# options of node-llama-cpp's own builds (backends as loadable libraries): a drop-in for the
# prebuilt's, for a GPU whose kernels the prebuilt has only as PTX newer than the driver compiles.
# node-llama-cpp 3.21.1's CUDA 13 build is CUDA 13.1's: on an H100 (sm_90) under a CUDA 13.0
# driver (580) its first kernel aborts ("the provided PTX was compiled with an unsupported
# toolchain"); this build, with CUDA 13.0, runs there. bench/llm/gguf-setup.sh puts it in place.
#   ARCH=90 OUT=.llama-sm90 bash bench/llm/build-ggml-cuda.sh
# Needs cmake, ninja, a C++ compiler and a CUDA toolkit with cuBLAS's headers (CUDAToolkit_ROOT,
# default /usr/local/cuda). Two cores took 30 minutes (143 CUDA files); sixteen, a few. Writes
# $OUT/libggml-cuda.so.xz and $OUT/BUILD.json (commit, toolkit, architecture, sha256).
set -euo pipefail
ARCH=${ARCH:-90} OUT=${OUT:-.llama-sm90} ROOT=${CUDAToolkit_ROOT:-/usr/local/cuda} JOBS=${JOBS:-$(nproc)}
SRC=/tmp/llama-src BUILD=/tmp/llama-build-sm$ARCH
BUNDLE=node_modules/node-llama-cpp/llama/gitRelease.bundle
[ -f "$BUNDLE" ] || { echo "no $BUNDLE: npm ci first"; exit 1; }
[ -d "$SRC/.git" ] || git clone -q "$BUNDLE" "$SRC"
# As node-llama-cpp's builds link: libggml-base.so unversioned, found beside the library ($ORIGIN).
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_PLATFORM_NO_VERSIONED_SONAME=ON -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' \
  -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CUDA=ON -DGGML_CUDA_NCCL=OFF -DCMAKE_CUDA_ARCHITECTURES="$ARCH" \
  -DCUDAToolkit_ROOT="$ROOT" -DCMAKE_CUDA_COMPILER="$ROOT/bin/nvcc" -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF > /dev/null
ninja -C "$BUILD" -j "$JOBS" ggml-cuda
LIB=$(find "$BUILD" -name libggml-cuda.so -type f | head -1)
mkdir -p "$OUT"
xz -T0 -6 -c "$LIB" > "$OUT/libggml-cuda.so.xz"
cat > "$OUT/BUILD.json" << EOF
{
  "llama_cpp_commit": "$(git -C "$SRC" rev-parse HEAD)",
  "node_llama_cpp": "$(node -p 'require("./node_modules/node-llama-cpp/package.json").version')",
  "cuda_toolkit": "$("$ROOT/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')",
  "architecture": "sm_$ARCH",
  "sha256": "$(sha256sum "$LIB" | cut -d' ' -f1)"
}
EOF
cat "$OUT/BUILD.json"
