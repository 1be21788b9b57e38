#!/usr/bin/env bash
# On the GPU machine (carry .dev-carry, .gl, dist, out/bench): SD 1.5's UNet (random weights),
# one denoising step in onnxruntime-node on WebGPU and in PyTorch, in one run. Results in $OUT.
set -euo pipefail
source bench/vit/device-setup.sh
python3 -c "import diffusers" 2>/dev/null || { echo "diffusers is not installed here: no UNet to export"; exit 3; }
python3 bench/sd/unet_torch.py export /tmp/sd 2>&1 | grep -v Warning | tail -3
ls -la /tmp/sd/unet | head
/tmp/node out/bench/sdUnet.mjs /tmp/sd/unet/model.onnx 10 2> "$OUT/ort.err" | tee "$OUT/ort.json" || tail -5 "$OUT/ort.err"
python3 bench/sd/unet_torch.py time | tee "$OUT/torch.json"
