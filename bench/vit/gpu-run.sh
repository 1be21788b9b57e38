#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root with .dev-carry/, .gl/ and dist/
# carried: exports ViT-Base, benchmarks it with `carbonlens bench` on WebGPU and CPU, and runs
# the PyTorch peer. Results land in $OUT.
set -euo pipefail
source bench/vit/device-setup.sh
python3 bench/vit/export_vit.py /tmp/vit-base
python3 bench/vit/make_images.py /tmp/imgs 1024
bench() { /tmp/node dist/cli.js bench --model /tmp/vit-base --task image-classification --dataset /tmp/imgs --idle-ms 3000 --json --out "$OUT/emissions.csv" "$@"; }
bench --device webgpu --batch 1 --samples 512 > "$OUT/webgpu-b1.json" 2> "$OUT/webgpu-b1.err" || failed "$OUT/webgpu-b1.err"
bench --device webgpu --batch 32 --samples 1024 > "$OUT/webgpu-b32.json" 2> "$OUT/webgpu-b32.err" || failed "$OUT/webgpu-b32.err"
bench --device cpu --batch 1 --samples 128 > "$OUT/cpu-b1.json" 2> "$OUT/cpu-b1.err" || failed "$OUT/cpu-b1.err"
bench --device auto --batch 32 --samples 256 > "$OUT/auto-b32.json" 2> "$OUT/auto-b32.err" || failed "$OUT/auto-b32.err"
python3 bench/vit/torch_vit.py > "$OUT/torch.json"
for f in "$OUT"/*.json; do echo "== $f"; /tmp/node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (Array.isArray(r)) console.log(r.map((x) => `${x.runtime} ${x.dtype} b${x.batch}: ${x.images_per_s.toFixed(1)} img/s, ${x.gpu_j_per_image.toFixed(3)} J/img GPU`).join("\n"));
else { const s = r.result.summary; console.log(`${r.result.device} b${r.result.batch}: ${s.itemsPerS.toFixed(1)} img/s, ${s.jPerItem.toFixed(3)} J/img total (${s.kind}), ` + s.components.map((c) => `${c.component} ${c.jPerItem.toFixed(3)} (${c.kind}; net ${c.netJPerItem?.toFixed(3)})`).join(", ") + `; load ${r.result.load.seconds.toFixed(1)} s; acc ${r.result.quality.primary.value}`); }' "$f"; done
