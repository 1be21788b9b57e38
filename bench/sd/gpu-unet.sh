#!/usr/bin/env bash
# On the GPU machine (carry .dev-carry, .gl, dist, out/bench): an SD-1.5-sized UNet (random
# weights, bench/sd/unet_torch.py), one denoising step in PyTorch and in onnxruntime-node on
# WebGPU, in one run. Results in $OUT.
set -uo pipefail
source bench/vit/device-setup.sh
python3 bench/sd/unet_torch.py time | tee "$OUT/torch.json"
python3 bench/sd/unet_torch.py export /tmp/sd > "$OUT/export.log" 2>&1 || { echo "export failed:"; grep -v Warning "$OUT/export.log" | tail -15; exit 1; }
grep -v Warning "$OUT/export.log" | tail -2
ls -la /tmp/sd/unet | head -5
/tmp/node out/bench/sdUnet.mjs /tmp/sd/unet/model.onnx 10 2> "$OUT/ort.err" | tee "$OUT/ort.json" || failed "$OUT/ort.err"
