# Sourced by bench/llm/gpu-gguf.sh after bench/vit/device-setup.sh: node-llama-cpp 3.21.1 with its
# CUDA 13 and CPU builds of llama.cpp in node_modules/ (where dist/cli.js finds it), joined from the
# xz pieces of bench/llm/pack-llama-cuda.sh (.llama-cuda/part.NN: each carried in a call of its
# own and copied to /tmp/llama-cuda-pieces/ there, docs/benchmarks.md), and the CUDA 13 runtime
# and cuBLAS that build links (libcudart.so.13, libcublas.so.13, libcublasLt.so.13) put on
# LD_LIBRARY_PATH: from the CUDA toolkit where there is one, else PyTorch's cu130 wheels
# (site-packages/nvidia/...). Where node-llama-cpp is installed already (npm ci on your own
# machine), nothing is unpacked. llama.cpp's converter (bench/llm/fetch-llama-converter.sh) is
# read from .llama-convert/, or from /tmp/llama-convert/ where an earlier call left a copy:
# LLAMA_CONVERT names the one found.
if [ -d node_modules/@node-llama-cpp/linux-x64-cuda/bins ] && [ -f node_modules/node-llama-cpp/package.json ]; then
  : # installed, or unpacked by an earlier call on this machine
else
  mkdir -p /tmp/llama-cuda-pieces
  ls .llama-cuda/part.* > /dev/null 2>&1 && cp .llama-cuda/part.* /tmp/llama-cuda-pieces/
  ls /tmp/llama-cuda-pieces/part.* > /dev/null 2>&1 || { echo "no node-llama-cpp pieces in /tmp/llama-cuda-pieces (bench/llm/pack-llama-cuda.sh)"; exit 1; }
  sums=$PWD/.llama-cuda/SHA256SUMS
  [ -f "$sums" ] || sums=/tmp/llama-cuda-pieces/SHA256SUMS
  if [ -f "$sums" ]; then
    (cd /tmp/llama-cuda-pieces && sha256sum -c --quiet "$sums") || { echo "the node-llama-cpp pieces do not match $sums"; exit 1; }
  fi
  cat /tmp/llama-cuda-pieces/part.* | xz -dc | tar xf - || { echo "the node-llama-cpp pieces do not unpack"; exit 1; }
fi
# llama.cpp's CUDA kernels built for this GPU (bench/llm/build-ggml-cuda.sh), where they are carried
# in .llama-sm90/ or left in /tmp/llama-sm90/ by an earlier call, replace the prebuilt's (kept
# beside them as libggml-cuda.so.prebuilt): the prebuilt's Hopper kernels are PTX that only a
# CUDA 13.1 driver compiles. LLAMA_KERNELS says which ran (their BUILD.json, or "prebuilt").
KERNELS_DIR=$PWD/.llama-sm90
[ -f "$KERNELS_DIR/libggml-cuda.so.xz" ] || KERNELS_DIR=/tmp/llama-sm90
CUDA_BINS=node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda
LLAMA_KERNELS='"prebuilt"'
if [ -f "$KERNELS_DIR/libggml-cuda.so.xz" ] && [ -f "$KERNELS_DIR/BUILD.json" ]; then
  [ -f "$CUDA_BINS/libggml-cuda.so.prebuilt" ] || mv "$CUDA_BINS/libggml-cuda.so" "$CUDA_BINS/libggml-cuda.so.prebuilt"
  xz -dc "$KERNELS_DIR/libggml-cuda.so.xz" > "$CUDA_BINS/libggml-cuda.so.tmp" && mv "$CUDA_BINS/libggml-cuda.so.tmp" "$CUDA_BINS/libggml-cuda.so"
  LLAMA_KERNELS=$(tr -d '\n' < "$KERNELS_DIR/BUILD.json")
  echo "llama.cpp's CUDA kernels: rebuilt, $LLAMA_KERNELS"
fi
export LLAMA_KERNELS
# Folders holding the CUDA 13 libraries llama.cpp's CUDA build needs, first found first.
cuda13_dirs() {
  local d
  for d in /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/lib64 /usr/local/cuda-*/targets/x86_64-linux/lib \
    /usr/local/cuda-*/lib64 /opt/cuda*/targets/x86_64-linux/lib $(python3 -c 'import nvidia, os; [print(os.path.join(p, d, l)) for p in nvidia.__path__ for d in sorted(os.listdir(p)) for l in ("lib", "lib64")]' 2> /dev/null); do
    ls "$d"/libcudart.so.13* "$d"/libcublas.so.13* "$d"/libcublasLt.so.13* > /dev/null 2>&1 && echo "$d"
  done
}
LLAMA_CUDA_DIRS=""
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do
  found=""
  for d in $(cuda13_dirs); do [ -e "$d/$lib" ] && { found=$d; break; }; done
  if [ -n "$found" ]; then
    [[ ":$LLAMA_CUDA_DIRS:" == *":$found:"* ]] || LLAMA_CUDA_DIRS=${LLAMA_CUDA_DIRS:+$LLAMA_CUDA_DIRS:}$found
    echo "llama.cpp's CUDA build: $lib from $found"
  elif ldconfig -p 2> /dev/null | grep -q "$lib "; then
    echo "llama.cpp's CUDA build: $lib on the loader's path"
  else
    echo "llama.cpp's CUDA build: no $lib found (toolkit, PyTorch's nvidia wheels, loader's path)"
  fi
done
export LLAMA_CUDA_DIRS
[ -n "$LLAMA_CUDA_DIRS" ] && export LD_LIBRARY_PATH=$LLAMA_CUDA_DIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# What the CUDA backend still cannot resolve (nothing, where all is well).
ldd node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libggml-cuda.so 2> /dev/null | grep 'not found'
LIBLLAMA=$(ls node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libllama.cuda.*.so 2> /dev/null | head -1)
export LIBLLAMA
LLAMA_CONVERT=$PWD/.llama-convert
[ -f "$LLAMA_CONVERT/convert_hf_to_gguf.py" ] || LLAMA_CONVERT=/tmp/llama-convert
export LLAMA_CONVERT
# node-llama-cpp's CUDA 13 build carries machine code for sm_86, 89, 120 and 121 and PTX for
# compute_75, 80 and 90: on an H100 or H200 (sm_90) the driver compiles the kernels a process first
# uses from PTX (seconds to a minute, in the model's load, before any metered window). A JIT cache
# large enough for them, in /tmp, lets every later process of the run start from the compiled code.
export CUDA_CACHE_PATH=${CUDA_CACHE_PATH:-/tmp/cuda-jit-cache} CUDA_CACHE_MAXSIZE=${CUDA_CACHE_MAXSIZE:-4294967296}
