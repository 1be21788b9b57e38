#!/usr/bin/env bash
# On the GPU machine (device tool): onnxruntime's CUDA 13 provider through CarbonLens, beside
# PyTorch, in one run. ViT-B/16 (bench/vit/export_vit.py, random weights) in `carbonlens bench`
# on --device cuda (fp32 and fp16 at batch 32, fp16 with the batch chosen by measurement) and
# --device auto; the same model in bare onnxruntime-node sessions (bench/ortVit.ts, ORT_EP=cuda);
# PyTorch fp32/fp16 (bench/vit/torch_vit.py); the SD-1.5-sized UNet step (bench/sd/). $OUT gets
# every figure; bench/cuda/summary.mjs writes bench/results/*-cuda.json from them.
#
# The runtime copy: `carbonlens cuda-provider install` on a machine that reaches the npm registry
# (your own: it runs here). Our GPU machine reaches none, and the copy is larger than one
# transfer to it may carry: there (docs/benchmarks.md) it is packed with xz and split, earlier
# calls leave the pieces in /tmp/ort13-pieces, and the last one and the manifest ride in .ort13/.
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
PYTHONPATH=bench python3 -c 'import json, nvml_energy; print(json.dumps(nvml_energy.versions()))' > "$OUT/versions.json" || failed "$OUT/versions.json"
/tmp/node -p 'JSON.stringify({ node: process.version, onnxruntime_node: require("/tmp/ort13/node_modules/onnxruntime-node/package.json").version })' > "$OUT/node-versions.json"
python3 -m pip list --format=freeze 2>/dev/null | grep -iE '^(torch|transformers|onnx|nvidia-ml-py|numpy|pillow)==' > "$OUT/pip-freeze.txt"
/tmp/node dist/cli.js cuda-provider status --dir /tmp/ort13 | tee "$OUT/status.txt"

[ -f /tmp/vit-base/onnx/model_fp16.onnx ] || { python3 bench/vit/export_vit.py /tmp/vit-base > /dev/null; python3 bench/vit/to_fp16.py /tmp/vit-base/onnx/model.onnx /tmp/vit-base/onnx/model_fp16.onnx; }
[ -d /tmp/imgs ] || python3 bench/vit/make_images.py /tmp/imgs 1024
bench() { /tmp/node dist/cli.js bench --model /tmp/vit-base --task image-classification --dataset /tmp/imgs --samples 1024 --idle-ms 3000 --json --out "$OUT/emissions.csv" "$@"; }
for run in "cuda fp32 32" "cuda fp16 32" "cuda fp16 auto" "auto fp16 32"; do
  set -- $run
  name="bench-$1-$2-b$3"
  bench --device "$1" --dtype "$2" --batch "$3" > "$OUT/$name.json" 2> "$OUT/$name.err" || { failed "$OUT/$name.err"; continue; }
  /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const s = r.summary;
    console.log(`${process.argv[2]}: ${r.device} ${r.dtype} b${r.batch}: ${s.itemsPerS.toFixed(1)} img/s, ${s.jPerItem.toFixed(3)} J/img (${s.kind}); ` + s.components.map((c) => `${c.component} ${c.jPerItem.toFixed(3)} ${c.kind}`).join(", ") + "; attempts " + JSON.stringify(r.attempts))' "$OUT/$name.json" "$name"
done

# Bare sessions: the scripts beside a node_modules whose onnxruntime-node is the runtime copy
# (the project's own stays as it is), CUDA on the loader's path.
bare=/tmp/ortbare && mkdir -p $bare/node_modules/@koromix && cp out/bench/*.mjs $bare/
ln -sfn /tmp/ort13/node_modules/onnxruntime-node $bare/node_modules/onnxruntime-node
ln -sfn "$PWD/node_modules/koffi" $bare/node_modules/koffi
for k in node_modules/@koromix/*; do ln -sfn "$PWD/$k" $bare/node_modules/@koromix/; done
export LD_LIBRARY_PATH=${CUDA_LIB:-/usr/local/cuda/targets/x86_64-linux/lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
ORT_EP=cuda /tmp/node $bare/ortVit.mjs /tmp/vit-base "${SECONDS_PER_CONFIG:-5}" > "$OUT/ort-cuda.jsonl" 2> "$OUT/ort-cuda.err" || failed "$OUT/ort-cuda.err"
cat "$OUT/ort-cuda.jsonl"
python3 bench/vit/torch_vit.py > "$OUT/torch-vit.json" 2> "$OUT/torch-vit.err" || failed "$OUT/torch-vit.err"
cat "$OUT/torch-vit.json"

if [ -z "${SKIP_SD:-}" ]; then
  python3 bench/sd/unet_torch.py time > "$OUT/torch-unet.json" 2>&1; tail -2 "$OUT/torch-unet.json"
  [ -f /tmp/sd/unet/model.onnx ] || python3 bench/sd/unet_torch.py export /tmp/sd > "$OUT/sd-export.log" 2>&1 || failed "$OUT/sd-export.log"
  ORT_EP=cuda /tmp/node $bare/sdUnet.mjs /tmp/sd/unet/model.onnx 10 > "$OUT/ort-unet-cuda.json" 2> "$OUT/ort-unet-cuda.err" || failed "$OUT/ort-unet-cuda.err"
  cat "$OUT/ort-unet-cuda.json"
fi
