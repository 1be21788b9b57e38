#!/usr/bin/env bash
# On the GPU machine (device tool): onnxruntime's CUDA 13 provider through CarbonLens, beside
# PyTorch, in one run. ViT-B/16 (bench/vit/export_vit.py, random weights) in `carbonlens bench`
# on --device cuda (fp32 and fp16 at batch 32, fp16 with the batch chosen by measurement) and
# --device auto; the same model in bare onnxruntime-node sessions (bench/ortVit.ts, ORT_EP=cuda);
# PyTorch fp32/fp16 (bench/vit/torch_vit.py); the SD-1.5-sized UNet step (bench/sd/). $OUT gets
# every figure; bench/cuda/summary.mjs writes bench/results/*-cuda.json from them.
#
# The runtime copy comes from `carbonlens cuda-provider install --cuda 13 --dir D` run where the
# npm registry is reachable; it is larger than one transfer may carry, so (see bench/cuda/README.md)
# D's onnxruntime-node is packed with xz, split into pieces that earlier calls leave in
# /tmp/ort13-pieces, and the last piece and D's carbonlens-provider.json ride in .ort13/.
set -uo pipefail
source bench/vit/device-setup.sh
mkdir -p /tmp/ort13/node_modules /tmp/ort13-pieces
cp .ort13/part.* /tmp/ort13-pieces/ 2>/dev/null
cat /tmp/ort13-pieces/part.* | xz -dc | tar xf - -C /tmp/ort13/node_modules || { echo "the provider pieces do not unpack"; exit 1; }
cp .ort13/carbonlens-provider.json /tmp/ort13/
ln -sfn "$PWD/node_modules/onnxruntime-common" /tmp/ort13/node_modules/onnxruntime-common
export CARBONLENS_ORT_DIR=/tmp/ort13
{
  nvidia-smi --query-gpu=name,driver_version,power.limit --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  /tmp/node --version
} > "$OUT/versions.txt" 2>&1
/tmp/node dist/cli.js cuda-provider status --dir /tmp/ort13 | tee "$OUT/status.txt"

[ -f /tmp/vit-base/onnx/model_fp16.onnx ] || { python3 bench/vit/export_vit.py /tmp/vit-base > /dev/null; python3 bench/vit/to_fp16.py /tmp/vit-base/onnx/model.onnx /tmp/vit-base/onnx/model_fp16.onnx; }
[ -d /tmp/imgs ] || python3 bench/vit/make_images.py /tmp/imgs 1024
bench() { /tmp/node dist/cli.js bench --model /tmp/vit-base --task image-classification --dataset /tmp/imgs --samples 1024 --idle-ms 3000 --json --out "$OUT/emissions.csv" "$@"; }
for run in "cuda fp32 32" "cuda fp16 32" "cuda fp16 auto" "auto fp16 32"; do
  set -- $run
  name="bench-$1-$2-b$3"
  bench --device "$1" --dtype "$2" --batch "$3" > "$OUT/$name.json" 2> "$OUT/$name.err" || { echo "$name failed:"; tail -5 "$OUT/$name.err"; continue; }
  /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const s = r.summary;
    console.log(`${process.argv[2]}: ${r.device} ${r.dtype} b${r.batch}: ${s.itemsPerS.toFixed(1)} img/s, ${s.jPerItem.toFixed(3)} J/img (${s.kind}); ` + s.components.map((c) => `${c.component} ${c.jPerItem.toFixed(3)} ${c.kind}`).join(", ") + "; attempts " + JSON.stringify(r.attempts))' "$OUT/$name.json" "$name"
done

# Bare sessions: the runtime copy in place of the shipped onnxruntime-node, CUDA 13 on the loader's path.
rm -rf node_modules/onnxruntime-node && cp -r /tmp/ort13/node_modules/onnxruntime-node node_modules/
export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:$LD_LIBRARY_PATH
ORT_EP=cuda /tmp/node out/bench/ortVit.mjs /tmp/vit-base "${SECONDS_PER_CONFIG:-5}" > "$OUT/ort-cuda.jsonl" 2> "$OUT/ort-cuda.err" || tail -5 "$OUT/ort-cuda.err"
cat "$OUT/ort-cuda.jsonl"
python3 bench/vit/torch_vit.py > "$OUT/torch-vit.json" 2> "$OUT/torch-vit.err" || tail -5 "$OUT/torch-vit.err"
cat "$OUT/torch-vit.json"

if [ -z "${SKIP_SD:-}" ]; then
  python3 bench/sd/unet_torch.py time > "$OUT/torch-unet.json" 2>&1; tail -2 "$OUT/torch-unet.json"
  [ -f /tmp/sd/unet/model.onnx ] || python3 bench/sd/unet_torch.py export /tmp/sd > "$OUT/sd-export.log" 2>&1 || { echo "UNet export failed"; tail -5 "$OUT/sd-export.log"; }
  ORT_EP=cuda /tmp/node out/bench/sdUnet.mjs /tmp/sd/unet/model.onnx 10 > "$OUT/ort-unet-cuda.json" 2> "$OUT/ort-unet-cuda.err" || tail -5 "$OUT/ort-unet-cuda.err"
  cat "$OUT/ort-unet-cuda.json"
fi
