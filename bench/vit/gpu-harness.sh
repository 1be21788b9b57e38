#!/usr/bin/env bash
# On the GPU machine: `carbonlens bench` of the same ViT-Base/16 end to end (1,024 images,
# preprocessing included) on WebGPU: fp32 and fp16 at batch 32, fp16 with the batch chosen by
# measurement; and fp16's answers against fp32's. Results land in $OUT.
set -euo pipefail
source bench/vit/device-setup.sh
[ -f /tmp/vit-base/onnx/model_fp16.onnx ] || { python3 bench/vit/export_vit.py /tmp/vit-base > /dev/null; python3 bench/vit/to_fp16.py /tmp/vit-base/onnx/model.onnx /tmp/vit-base/onnx/model_fp16.onnx; }
[ -d /tmp/imgs ] || python3 bench/vit/make_images.py /tmp/imgs 1024
/tmp/node out/bench/ortVit.mjs /tmp/vit-base agree | tee "$OUT/agree.json"
bench() { /tmp/node dist/cli.js bench --model /tmp/vit-base --task image-classification --dataset /tmp/imgs --samples 1024 --idle-ms 3000 --json --out "$OUT/emissions.csv" --device webgpu "$@"; }
for run in "fp32 32" "fp16 32" "fp16 auto"; do
  set -- $run
  bench --dtype "$1" --batch "$2" > "$OUT/bench-$1-b$2.json" 2> "$OUT/bench-$1-b$2.err" || failed "$OUT/bench-$1-b$2.err"
  /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const s = r.summary;
    console.log(`${r.dtype} b${r.batch} (${r.runtime.batchChosenBy}): ${s.itemsPerS.toFixed(1)} img/s, ${s.jPerItem.toFixed(3)} J/img (${s.kind}); ` + s.components.map((c) => `${c.component} ${c.jPerItem.toFixed(3)} ${c.kind}`).join(", ") + (r.runtime.batchTrials ? `; trials ${JSON.stringify(r.runtime.batchTrials.map((t) => [t.batch, Math.round(t.itemsPerS)]))}` : ""))' "$OUT/bench-$1-b$2.json"
done
