#!/usr/bin/env bash
# On the GPU machine (device tool; issue 33): the whole benchmark against the model alone. Set up
# like bench/cuda/gpu-cuda.sh (Node, sharp, onnxruntime-node's CUDA provider). ViT-B/16 and a
# ViT-S/16-shaped export (bench/vit/export_vit.py, random weights, fp16), 1,024 32x32 PNGs
# (bench/vit/make_images.py) and 1,024 640x480 JPEGs (bench/pipeline/make_jpegs.mjs):
#  - profile-{png,jpeg}.jsonl: where a prepared image's time goes, and preparation's images/s with
#    1, 2, 4, 8 and 16 worker processes (out/bench/pipelineProfile.mjs; KINDS=processes,threads
#    to time threads of one process too);
#  - bench-{base,small}-{png,jpeg}.json: `carbonlens bench --device cuda --dtype fp16 --batch 32`
#    records, each with the model measured apart (result.phases) and the pipelined run end to end
#    (result.summary), 3 repeats over 4,096 items (labels.csv rows over the 1,024 files: the model
#    apart runs ~1 s a window, long enough for NVML's counter);
#  - bench-base-jpeg10k.json: 10,000 items (labels.csv rows over the 1,024 JPEGs), pipelined only,
#    for the peak RSS (result.runtime.pipeline);
#  - then, while the time budget lasts (BUDGET_S, 420 s from the start),
#    bench-base-png-resize-workers.json and bench-base-jpeg-resize-device.json: each set resized
#    where the product does not resize it (32x32 PNGs on the CPU workers, CARBONLENS_RESIZE=workers;
#    640x480 JPEGs in the graph on the GPU, CARBONLENS_RESIZE=device), to see which is cheaper.
# All of it in $OUT/pipeline-out.tgz; bench/pipeline/summary.mjs writes bench/results/pipeline-cuda.json
# from the unpacked folder.
#   OUT=/some/folder bash bench/pipeline/gpu-pipeline.sh        (PROFILE_ONLY=1: the profiles alone;
#   SETS=jpeg: the JPEG set's profile and runs alone; summary.mjs takes such a run's folder as
#   JPEG_DIR beside a whole run's)
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
start=$SECONDS
# At most 7 files come back from the device: everything travels in one archive.
pack() { tar czf /tmp/pipeline-out.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -delete && mv /tmp/pipeline-out.tgz "$OUT/"; }
PYTHONPATH=bench timeout 30 python3 -c 'import json, nvml_energy; print(json.dumps(nvml_energy.versions()))' > "$OUT/versions.json" || failed "$OUT/versions.json"
/tmp/node -p 'JSON.stringify({ node: process.version, onnxruntime_node: require("/tmp/ort13/node_modules/onnxruntime-node/package.json").version, cpus: require("os").availableParallelism(), cpu: require("os").cpus()[0].model })' > "$OUT/node-versions.json"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader > "$OUT/gpu.txt" 2>&1

[ -d /tmp/imgs ] || timeout 60 python3 bench/vit/make_images.py /tmp/imgs 1024 > /dev/null
[ -f /tmp/jpegs/labels.csv ] || timeout 120 /tmp/node bench/pipeline/make_jpegs.mjs /tmp/jpegs 1024 > "$OUT/jpegs.log" 2>&1 || failed "$OUT/jpegs.log"
# SRC ROWS DIR: a set of ROWS labels.csv rows over SRC's files (linked, not copied).
repeat_set() {
  [ -f "$3/labels.csv" ] && return
  mkdir -p "$3" && for f in "$1"/*.png "$1"/*.jpg; do [ -e "$f" ] && ln -sf "$f" "$3/"; done
  awk -v rows="$2" 'NR == 1 { print; next } { r[n++] = $0 } END { for (i = 0; i < rows; i++) print r[i % n] }' "$1/labels.csv" > "$3/labels.csv"
}
repeat_set /tmp/imgs 4096 /tmp/imgs4k
repeat_set /tmp/jpegs 4096 /tmp/jpegs4k
repeat_set /tmp/jpegs 10000 /tmp/jpegs10k
echo "inputs ready at $((SECONDS - start)) s"

sets=${SETS:-png jpeg}
for set in png:/tmp/imgs jpeg:/tmp/jpegs; do
  [[ " $sets " == *" ${set%%:*} "* ]] || continue
  KINDS=${KINDS:-processes} UV_THREADPOOL_SIZE=$(($(nproc) + 4)) timeout 120 /tmp/node out/bench/pipelineProfile.mjs "${set#*:}" 1,2,4,8,16 512 > "$OUT/profile-${set%%:*}.jsonl" 2> "$OUT/profile-${set%%:*}.err" || failed "$OUT/profile-${set%%:*}.err"
  cat "$OUT/profile-${set%%:*}.jsonl"
done
echo "profiles done at $((SECONDS - start)) s"
[ -n "${PROFILE_ONLY:-}" ] && { pack; exit; }

for size in base small; do
  [ -f /tmp/vit-$size/onnx/model_fp16.onnx ] && continue
  timeout 150 python3 bench/vit/export_vit.py /tmp/vit-$size $size > "$OUT/export-$size.log" 2>&1 &&
    timeout 90 python3 bench/vit/to_fp16.py /tmp/vit-$size/onnx/model.onnx /tmp/vit-$size/onnx/model_fp16.onnx >> "$OUT/export-$size.log" 2>&1 ||
    failed "$OUT/export-$size.log"
done
echo "models ready at $((SECONDS - start)) s"

bench() {
  local name=$1 model=$2 data=$3 samples=$4 repeats=$5
  # The device's 9 minutes: later runs give way rather than the whole script being cut off.
  if ((SECONDS - start > ${BUDGET_S:-420})); then echo "skipped $name: past ${BUDGET_S:-420} s"; return; fi
  timeout 150 /tmp/node dist/cli.js bench --model "$model" --task image-classification --dataset "$data" --samples "$samples" \
    --device cuda --dtype fp16 --batch 32 --repeats "$repeats" --idle-ms 2000 --json --out "$OUT/emissions.csv" > "$OUT/$name.json" 2> "$OUT/$name.err" || { failed "$OUT/$name.err"; return; }
  /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result;
    const f = (x) => `${x.itemsPerS.toFixed(0)} img/s, gpu ${x.components.find((c) => c.component === "gpu")?.jPerItem.toFixed(4)} J/img`;
    console.log(`${process.argv[2]}: end to end ${f(r.summary)}` + (r.phases ? `; model apart ${f(r.phases.model)}; preparation apart ${f(r.phases.preprocess)}` : "") + `; ${JSON.stringify(r.runtime.pipeline)}; ${r.runtime.preprocessing}`)' "$OUT/$name.json" "$name"
}
if [[ " $sets " == *" png "* ]]; then
  bench bench-base-png /tmp/vit-base /tmp/imgs4k 4096 3
  bench bench-small-png /tmp/vit-small /tmp/imgs4k 4096 3
fi
bench bench-base-jpeg /tmp/vit-base /tmp/jpegs4k 4096 3
bench bench-small-jpeg /tmp/vit-small /tmp/jpegs4k 4096 3
bench bench-base-jpeg10k /tmp/vit-base /tmp/jpegs10k 10000 1
# While time is left: each set resized where the product does not resize it.
[[ " $sets " == *" png "* ]] && CARBONLENS_RESIZE=workers bench bench-base-png-resize-workers /tmp/vit-base /tmp/imgs4k 4096 3
CARBONLENS_RESIZE=device bench bench-base-jpeg-resize-device /tmp/vit-base /tmp/jpegs4k 4096 3
echo "benches done at $((SECONDS - start)) s"
pack
