#!/usr/bin/env bash
# On the GPU machine (device tool; carry .dev-carry, .gl, dist and out/bench): ViT-Base/16 in
# onnxruntime-node sessions on WebGPU under each option (bench/ortVit.ts), then the PyTorch
# peer, in one run. Results land in $OUT; bench/vit/perf-summary.mjs turns them into
# bench/results/vit-b16-h200.json.
set -euo pipefail
source bench/vit/device-setup.sh
python3 bench/vit/export_vit.py /tmp/vit-base > /dev/null
python3 bench/vit/to_fp16.py /tmp/vit-base/onnx/model.onnx /tmp/vit-base/onnx/model_fp16.onnx
/tmp/node out/bench/ortVit.mjs /tmp/vit-base "${SECONDS_PER_CONFIG:-5}" > "$OUT/ort.jsonl" 2> "$OUT/ort.err" || failed "$OUT/ort.err"
cat "$OUT/ort.jsonl"
python3 bench/vit/torch_vit.py > "$OUT/torch.json"
cat "$OUT/torch.json"
nvidia-smi --query-gpu=name,driver_version,power.limit --format=csv,noheader > "$OUT/gpu.txt"
