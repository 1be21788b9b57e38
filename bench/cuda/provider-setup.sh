# Sourced by the GPU machine's CUDA scripts: onnxruntime's CUDA provider in /tmp/ort13, from the
# xz pieces carried in .ort13/ (and left in /tmp/ort13-pieces by earlier calls: docs/benchmarks.md),
# else installed by `carbonlens cuda-provider install` where the npm registry can be reached.
if [ -f /tmp/ort13/carbonlens-provider.json ] && [ -d /tmp/ort13/node_modules/onnxruntime-node ]; then
  : # unpacked by an earlier call on this machine
elif [ -d .ort13 ]; then
  mkdir -p /tmp/ort13/node_modules /tmp/ort13-pieces
  cp .ort13/part.* /tmp/ort13-pieces/
  cat /tmp/ort13-pieces/part.* | xz -dc | tar xf - -C /tmp/ort13/node_modules || { echo "the provider pieces do not unpack"; exit 1; }
  cp .ort13/carbonlens-provider.json /tmp/ort13/
  ln -sfn "$PWD/node_modules/onnxruntime-common" /tmp/ort13/node_modules/onnxruntime-common
elif [ ! -f /tmp/ort13/carbonlens-provider.json ]; then
  /tmp/node dist/cli.js cuda-provider install --yes --dir /tmp/ort13 || exit 1
fi
export CARBONLENS_ORT_DIR=/tmp/ort13
