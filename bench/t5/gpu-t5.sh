#!/usr/bin/env bash
# On the GPU machine (device tool): T5-small- and T5-base-shaped summarizers (bench/t5/t5.py,
# random weights, exported in transformers.js's layout without an If node and in CarbonLens's
# step layout, which CarbonLens decodes on CUDA with a CUDA graph per step) through
# `carbonlens compare --task summarization --device cuda` (base, then small: both records and
# the verdict), one `bench --device auto`, and the same models, articles and summary length
# through transformers' generate() eager and compiled (bench/t5/torch_t5.py). $OUT gets t5-cuda.json
# (bench/t5/summary.mjs) and t5-records.tar.xz, every record.
#   OUT=/tmp/t5 bash bench/t5/gpu-t5.sh     (DTYPES="fp16 fp32", ARTICLES=10, MAX_NEW_TOKENS=64)
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
ARTICLES=${ARTICLES:-10} NEW=${MAX_NEW_TOKENS:-64} DTYPES=${DTYPES:-"fp16 fp32"}
TORCH_DTYPES=${TORCH_DTYPES:-fp16} TORCH_MODES=${TORCH_MODES:-eager,compiled}
# Every record goes to $R; $OUT gets t5-cuda.json and one archive of $R (the device tool brings back few files).
R=/tmp/t5-run && rm -rf "$R" && mkdir -p "$R"
trap 'rc=$?; tar cJf "$OUT/t5-records.tar.xz" -C "$R" . 2>/dev/null; [ "$rc" -eq 0 ] && rc=$FAILED; exit "$rc"' EXIT
PYTHONPATH=bench timeout 60 python3 -c 'import json, nvml_energy; print(json.dumps(nvml_energy.versions()))' > "$R/versions.json" || failed "$R/versions.json"
/tmp/node -p 'JSON.stringify({ node: process.version, onnxruntime_node: require("/tmp/ort13/node_modules/onnxruntime-node/package.json").version })' > "$R/node-versions.json"
timeout 60 /tmp/node dist/cli.js cuda-provider status --dir /tmp/ort13 | head -1 > "$R/status.txt"

# Articles of random words (every one longer than 512 tokens, so each is truncated to exactly
# 512 on both sides) with a one-line reference: ROUGE on random weights measures nothing.
timeout 30 python3 - "$ARTICLES" > /tmp/t5-articles.jsonl <<'PY'
import json, random, sys
r = random.Random(11)
words = "the of and to in a is was for on that with as by at from his her it said were have has new year people".split()
for i in range(int(sys.argv[1])):
    text = " ".join(r.choice(words + [r.choice("abcdefghijklmnopqrstuvwxyz") * r.randint(2, 6)]) for _ in range(420))
    print(json.dumps({"id": i + 1, "text": text + ".", "summary": " ".join(text.split()[:12])}))
PY
for size in base small; do
  [ -f /tmp/t5-$size/onnx/decoder_static_fp16.onnx ] || PYTHONPATH=bench/t5 timeout 300 python3 bench/t5/t5.py export $size /tmp/t5-$size "$(echo $DTYPES | tr ' ' ',')" > "$R/export-$size.log" 2>&1 || failed "$R/export-$size.log"
  tail -n 2 "$R/export-$size.log"
done
ls -la /tmp/t5-base/onnx /tmp/t5-small/onnx

for dtype in $DTYPES; do
  timeout 300 /tmp/node dist/cli.js compare --model /tmp/t5-base --model /tmp/t5-small --task summarization --device cuda \
    --dtype "$dtype" --dataset /tmp/t5-articles.jsonl --samples "$ARTICLES" --max-new-tokens "$NEW" --idle-ms 2000 \
    --json --out "$R/emissions.csv" > "$R/compare-$dtype.json" 2> "$R/compare-$dtype.err" || failed "$R/compare-$dtype.err"
  /tmp/node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const r of [c.a, c.b]) { const g = r.result.generation; console.log(r.model.id, r.result.device, r.result.dtype, "decode", g.decodeTokensPerS?.toFixed(1), "tok/s", g.jPerOutputToken?.toFixed(3), "J/token; ttft", (g.ttft.meanS*1000).toFixed(1), "ms;", r.result.quality.primary.metric, r.result.quality.primary.value.toFixed(3)); }
    console.log(c.verdict.sentence)' "$R/compare-$dtype.json"
done
timeout 240 /tmp/node dist/cli.js bench --model /tmp/t5-small --task summarization --device auto --dtype fp16 \
  --dataset /tmp/t5-articles.jsonl --samples 4 --max-new-tokens 16 --idle-ms 0 --json --out "$R/emissions.csv" \
  > "$R/auto.json" 2> "$R/auto.err" || failed "$R/auto.err"
/tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; console.log("auto:", r.device, JSON.stringify(r.attempts))' "$R/auto.json"

for size in base small; do
  for dtype in $TORCH_DTYPES; do
    PYTHONPATH=bench:bench/llm:bench/t5 timeout 300 python3 bench/t5/torch_t5.py $size "$dtype" /tmp/t5-$size /tmp/t5-articles.jsonl "$NEW" "$TORCH_MODES" \
      > "$R/torch-$size-$dtype.json" 2> "$R/torch-$size-$dtype.err" || failed "$R/torch-$size-$dtype.err"
    head -c 600 "$R/torch-$size-$dtype.json"; echo
  done
done
[ "${PROFILE:-1}" = 0 ] || timeout 180 /tmp/node out/bench/llmProfile.js /tmp/t5-base fp16 /tmp/t5-articles.jsonl 32 "$R/profile" summarization \
  > /dev/null 2> "$R/profile-t5.err" || failed "$R/profile-t5.err"
timeout 60 /tmp/node bench/t5/summary.mjs "$R" "$OUT/t5-cuda.json" && cat "$OUT/t5-cuda.json" || echo "FAILED: bench/t5/summary.mjs"
ls "$R"
