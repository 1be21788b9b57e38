#!/usr/bin/env bash
# On the GPU machine (device tool): decode steps with the key/value cache kept on the GPU
# (onnxruntime's IO binding through its C API, bench/llm/ioBinding.ts) against onnxruntime-node's
# session.run with the cache through host memory (as transformers.js runs it) and transformers.js's
# generate(), on onnxruntime-genai's builder files (fused GroupQueryAttention, fp16) of Qwen2.5-0.5B's
# and, as time allows, 1.5B's shapes (bench/llm/qwen.py, random weights). Same prompts, greedy,
# NEW tokens each (end-of-sequence ignored). Then, for the 0.5B file, `carbonlens bench` (energy
# per token on NVML) with transformers.js's decoder and with CARBONLENS_DECODER=io-binding.
#   OUT=/tmp/iob bash bench/llm/gpu-iobinding.sh
# Needs dist/ and out/bench/ioBinding.js built, .dev-carry/ and .ort13/ (bench/vit/device-setup.sh,
# bench/cuda/provider-setup.sh) and .genai/ (the model builder, docs/benchmarks.md) carried.
# $OUT gets iobinding.jsonl (one line per model and mode, after a versions line), its summary
# llm-iobinding.json (bench/llm/summary-iobinding.mjs) and iobinding-logs.tar.xz. The 1.5B shape
# is skipped once LARGE_BY_S seconds have passed, and no step runs past BUDGET_S seconds from the
# start (default 400: the script ends within 7 minutes).
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
PROMPTS=${PROMPTS:-10} NEW=${MAX_NEW_TOKENS:-128} LARGE_BY_S=${LARGE_BY_S:-240} BUDGET_S=${BUDGET_S:-400}
# A step's time limit: its own, or what is left of BUDGET_S seconds if less (at least 1).
limit() { local left=$((BUDGET_S - SECONDS)); [ "$left" -lt 1 ] && left=1; [ "$left" -lt "$1" ] && echo "$left" || echo "$1"; }
R=/tmp/iob-run && rm -rf "$R" && mkdir -p "$R"
trap 'rc=$?; tar cJf "$OUT/iobinding-logs.tar.xz" -C "$R" . 2>/dev/null; [ "$rc" -eq 0 ] && rc=$FAILED; exit "$rc"' EXIT
export LD_LIBRARY_PATH=/usr/local/cuda/targets/x86_64-linux/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
timeout 30 /tmp/node -p 'JSON.stringify({ versions: true, node: process.version, onnxruntime_node: require("/tmp/ort13/node_modules/onnxruntime-node/package.json").version, gpu: (() => { try { return require("child_process").execSync("nvidia-smi --query-gpu=name --format=csv,noheader").toString().trim(); } catch { return null; } })() })' > "$OUT/iobinding.jsonl" 2> "$R/versions.err" || failed "$R/versions.err"
cat "$OUT/iobinding.jsonl"
python3 -c 'import json, random; r = random.Random(7); [print(json.dumps({"prompt": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(120)), "answer": "-"})) for _ in range('"$PROMPTS"')]' > /tmp/iob-prompts.jsonl

# onnxruntime-genai's builder on the transformers model qwen.py saves (as build_gqa in
# bench/llm/gpu-llm-cuda.sh, fp16 only): NAME SIZE DIR HEAD_DIM
build_gqa() {
  local builder=(python3 -m onnxruntime_genai.models.builder) where=$PWD file=model_fp16.onnx
  if [ -d .genai/models ]; then
    builder=(python3 builder.py) where=$PWD/.genai/models
    python3 -c 'import onnx_ir' 2> /dev/null || export PYTHONPATH=$PWD/.genai/site
  elif ! python3 -c 'import onnxruntime_genai.models.builder' 2> /dev/null; then
    echo "no onnxruntime-genai model builder: $1 skipped"; return
  fi
  [ -f "$3/onnx/$file" ] && return
  [ -f "/tmp/hf-$2/config.json" ] || PYTHONPATH=bench/llm${PYTHONPATH:+:$PYTHONPATH} timeout "$(limit 240)" python3 bench/llm/qwen.py save-hf "/tmp/hf-$2" --size "$2" > "$R/save-hf-$1.log" 2>&1 || failed "$R/save-hf-$1.log"
  (cd "$where" && timeout "$(limit 300)" "${builder[@]}" -i "/tmp/hf-$2" -o "/tmp/genai-$1" -p fp16 -e cuda -c /tmp/genai-cache \
    --extra_options prune_lm_head=true "filename=$file") > "$R/builder-$1.log" 2>&1 || failed "$R/builder-$1.log"
  tail -c 300 "$R/builder-$1.log"; echo
  mkdir -p "$3/onnx" && cp /tmp/hf-$2/{config,generation_config,tokenizer,tokenizer_config}.json "$3/"
  [ -f "/tmp/genai-$1/$file" ] && mv "/tmp/genai-$1/$file" "/tmp/genai-$1/$file.data" "$3/onnx/"
  [ -f "$3/onnx/$file" ] && timeout "$(limit 120)" python3 bench/llm/graph_levers.py "$3/onnx/$file" --head-dim "$4" > "$R/levers-$1.json" 2>&1
}
# NAME DIR MODES TIMEOUT_S
run_bench() {
  echo "== $1 ($3)"
  timeout "$(limit "$4")" /tmp/node out/bench/ioBinding.js --model "$2" --dtype fp16 --device cuda --prompts /tmp/iob-prompts.jsonl \
    --new "$NEW" --samples "$PROMPTS" --modes "$3" > "$R/bench-$1.jsonl" 2> "$R/bench-$1.err" || failed "$R/bench-$1.err"
  cat "$R/bench-$1.jsonl" | tee -a "$OUT/iobinding.jsonl"
}

# `carbonlens bench` on a file, transformers.js's decoder or the IO-binding one (CARBONLENS_DECODER),
# metered on NVML: NAME DIR DECODER TIMEOUT_S. One JSON line of its figures goes to iobinding.jsonl.
carbonlens_bench() {
  echo "== carbonlens bench $1 (decoder: $3)"
  CARBONLENS_DECODER=$3 timeout "$(limit "$4")" /tmp/node dist/cli.js bench --model "$2" --task text-generation --device cuda --dtype fp16 \
    --dataset /tmp/iob-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms 2000 --json \
    --out "$R/emissions.csv" > "$R/carbonlens-$1-${3:-default}.json" 2> "$R/carbonlens-$1-${3:-default}.err" || failed "$R/carbonlens-$1-${3:-default}.err"
  timeout 30 /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const g = r.generation;
    console.log(JSON.stringify({ mode: "carbonlens-bench", model: process.argv[2], decoder: process.argv[3], device: r.device, runtime: r.runtime.preprocessing,
      decode_tokens_per_s: g.decodeTokensPerS, j_per_output_token: g.jPerOutputToken, ttft_ms_mean: g.ttft.meanS * 1000, output_tokens: g.outputTokens }))' \
    "$R/carbonlens-$1-${3:-default}.json" "$1" "${3:-transformers.js}" 2>> "$R/carbonlens-$1-${3:-default}.err" | tee -a "$OUT/iobinding.jsonl"
}

build_gqa 05gqa 0.5b /tmp/qwen05gqa 64
if [ -f /tmp/qwen05gqa/onnx/model_fp16.onnx ]; then
  run_bench 05gqa /tmp/qwen05gqa session-run,generate,io-binding 150
  carbonlens_bench 05gqa /tmp/qwen05gqa "" 90
  carbonlens_bench 05gqa /tmp/qwen05gqa io-binding 90
fi
echo "elapsed ${SECONDS} s"
if [ "$SECONDS" -lt "$LARGE_BY_S" ]; then
  build_gqa 15gqa 1.5b /tmp/qwen15gqa 128
  [ -f /tmp/qwen15gqa/onnx/model_fp16.onnx ] && run_bench 15gqa /tmp/qwen15gqa session-run,io-binding 100
else
  echo "skipped (past ${LARGE_BY_S} s): the 1.5B shape"
fi
echo "elapsed ${SECONDS} s"
timeout 30 /tmp/node bench/llm/summary-iobinding.mjs "$OUT/iobinding.jsonl" "$OUT/llm-iobinding.json" || echo "FAILED: bench/llm/summary-iobinding.mjs"
ls "$R"
