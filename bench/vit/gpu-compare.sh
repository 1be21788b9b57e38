#!/usr/bin/env bash
# On the GPU machine: `carbonlens compare` of ViT-Base/16 and ViT-S/16 (random weights) on
# WebGPU, GPU energy from NVML's counter. Set up like gpu-run.sh; results land in $OUT.
set -euo pipefail
source bench/vit/device-setup.sh
python3 bench/vit/export_vit.py /tmp/vit-base base 2>/dev/null
python3 bench/vit/export_vit.py /tmp/vit-small small 2>/dev/null
python3 bench/vit/make_images.py /tmp/imgs 1024
/tmp/node dist/cli.js compare --model /tmp/vit-base --model /tmp/vit-small --task image-classification --dataset /tmp/imgs \
  --samples 1024 --batch 32 --device webgpu --idle-ms 3000 --region us-central1 --out "$OUT/emissions.csv" | tee "$OUT/compare.txt"
