#!/usr/bin/env bash
# On the GPU machine (device tool): language-model decode on onnxruntime's CUDA provider against
# PyTorch served well, in one run. Decoders of Qwen2.5-0.5B's and 1.5B's shapes (bench/llm/qwen.py,
# random weights, fp16): our export with num_logits_to_keep (last-position logits in the
# prompt's pass), the same model converted by onnxruntime-genai's model builder (fused
# GroupQueryAttention with rotary, SkipSimplifiedLayerNormalization; where .genai/ carries the
# builder, see docs/benchmarks.md), and q4f16 weights; each through
# `carbonlens bench --task text-generation --device cuda`, profiled (bench/llmProfile.ts), and
# beside transformers' generate() eager and static-cache + torch.compile (bench/llm/torch_llm.py).
# $OUT gets llm-cuda.json (bench/llm/summary-cuda.mjs) and llm-records.tar.xz.
#   OUT=/tmp/llm bash bench/llm/gpu-llm-cuda.sh
# STEPS picks what runs (default: all): copies export profile bench torch gqa modes q4 large timing. With gqa, q4 and
# large use the builder's files (q4f16: the builder's int4 weights with fp16 activations).
# DECODER: CarbonLens's decoder for its benches (CARBONLENS_DECODER: empty for transformers.js's,
# io-binding, fixed-cache). With the modes step, the 0.5B builder file first runs through
# bench/llm/ioBinding.ts's modes (io-binding, fixed-cache, cuda-graph: steps timed, tokens compared);
# DECODER=auto then takes fixed-cache where cuda-graph gave session-run's tokens, else io-binding.
# Optional steps (q4, the eager peer of the 1.5B shape) are skipped once BUDGET_S seconds have passed.
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
PROMPTS=${PROMPTS:-10} NEW=${MAX_NEW_TOKENS:-128} STEPS=${STEPS:-"copies export profile bench torch gqa q4 large timing"}
IDLE_S=${IDLE_S:-3} BUDGET_S=${BUDGET_S:-100000}
# PyTorch's modes for the 0.5B shape in its first call (compiled alone: eager follows as time allows), and for 1.5B.
TORCH_SMALL_MODES=${TORCH_SMALL_MODES:-eager,compiled} TORCH_LARGE_MODES=${TORCH_LARGE_MODES:-eager}
in_budget() { [ "$SECONDS" -lt "$BUDGET_S" ] || { echo "skipped (past ${BUDGET_S} s): $1"; return 1; }; }
R=/tmp/llm-run && rm -rf "$R" && mkdir -p "$R/profile"
trap 'rc=$?; tar cJf "$OUT/llm-records.tar.xz" -C "$R" . 2>/dev/null; [ "$rc" -eq 0 ] && rc=$FAILED; exit "$rc"' EXIT
step() { [[ " $STEPS " == *" $1 "* ]]; }
PYTHONPATH=bench timeout 60 python3 -c 'import json, nvml_energy; print(json.dumps(nvml_energy.versions()))' > "$R/versions.json" || failed "$R/versions.json"
/tmp/node -p 'JSON.stringify({ node: process.version, onnxruntime_node: require("/tmp/ort13/node_modules/onnxruntime-node/package.json").version })' > "$R/node-versions.json"
timeout 60 python3 -m pip list --format=freeze 2> /dev/null | grep -iE '^(torch|transformers|onnx|onnxruntime|onnxruntime-gpu|onnx-ir|onnxscript|numpy|tqdm|ml-dtypes)==' > "$R/pip-freeze.txt"
timeout 60 /tmp/node dist/cli.js cuda-provider status --dir /tmp/ort13 | head -1 > "$R/status.txt"
cat "$R/versions.json" "$R/node-versions.json" "$R/pip-freeze.txt"
python3 -c 'import json, random; r = random.Random(7); [print(json.dumps({"prompt": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(120)), "answer": "-"})) for _ in range('"$PROMPTS"')]' > /tmp/llm-prompts.jsonl
export LD_LIBRARY_PATH=/usr/local/cuda/targets/x86_64-linux/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# qwen.py's export with num_logits_to_keep; NAME SIZE DIR
export_model() {
  [ -f "$3/onnx/model_fp16.onnx" ] || PYTHONPATH=bench/llm timeout 300 python3 bench/llm/qwen.py export "$3" --size "$2" --last-logits > "$R/export-$1.log" 2>&1 || failed "$R/export-$1.log"
  head -c 400 "$R/export-$1.log"; echo
  timeout 120 python3 bench/llm/graph_levers.py "$3/onnx/model_fp16.onnx" > "$R/levers-$1.json" 2>&1
}
# The same weights through onnxruntime-genai's builder (fused contrib ops, last-token lm_head),
# from the transformers model saved by qwen.py save-hf in /tmp/hf-SIZE (whose config and
# tokenizer files the folder gets too); NAME SIZE DIR HEAD_DIM
# The builder: `pip install onnxruntime-genai` (python3 -m onnxruntime_genai.models.builder), or
# a copy of its src/python/py/models in .genai/models (with onnx_ir in .genai/site if not installed).
# then PRECISION (fp16 or int4) and the file's dtype name (fp16, q4f16).
build_gqa() {
  local precision=${5:-fp16} dtype=${6:-fp16}
  local builder=(python3 -m onnxruntime_genai.models.builder) where=$PWD
  if [ -d .genai/models ]; then
    builder=(python3 builder.py) where=$PWD/.genai/models
    python3 -c 'import onnx_ir' 2> /dev/null || export PYTHONPATH=$PWD/.genai/site
  elif ! python3 -c 'import onnxruntime_genai.models.builder' 2> /dev/null; then
    echo "no onnxruntime-genai model builder: $1 skipped"; return
  fi
  local file=model_$dtype.onnx
  [ -f "$3/onnx/$file" ] && return
  [ -f "/tmp/hf-$2/config.json" ] || PYTHONPATH=bench/llm${PYTHONPATH:+:$PYTHONPATH} timeout 240 python3 bench/llm/qwen.py save-hf "/tmp/hf-$2" --size "$2" > "$R/save-hf-$1.log" 2>&1 || failed "$R/save-hf-$1.log"
  (cd "$where" && timeout 300 "${builder[@]}" -i "/tmp/hf-$2" -o "/tmp/genai-$1" -p "$precision" -e cuda -c /tmp/genai-cache \
    --extra_options prune_lm_head=true "filename=$file") > "$R/builder-$1.log" 2>&1 || failed "$R/builder-$1.log"
  tail -c 300 "$R/builder-$1.log"; echo
  mkdir -p "$3/onnx" && cp /tmp/hf-$2/{config,generation_config,tokenizer,tokenizer_config}.json "$3/"
  [ -f "/tmp/genai-$1/$file" ] && mv "/tmp/genai-$1/$file" "/tmp/genai-$1/$file.data" "$3/onnx/"
  # The builder leaves the cache's last dimension symbolic; transformers.js would make the empty
  # first-step cache 0 wide there: give it the head size (64 for 0.5B, 128 for 1.5B).
  [ -f "$3/onnx/$file" ] && timeout 120 python3 bench/llm/graph_levers.py "$3/onnx/$file" --head-dim "$4" | tee "$R/levers-$1.json"
}
bench_llm() { # NAME DIR DTYPE
  CARBONLENS_DECODER=${DECODER:-} timeout 300 /tmp/node dist/cli.js bench --model "$2" --task text-generation --device cuda --dtype "$3" \
    --dataset /tmp/llm-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms "${IDLE_S}000" --json \
    --out "$R/emissions.csv" > "$R/carbonlens-$1.json" 2> "$R/carbonlens-$1.err" || failed "$R/carbonlens-$1.err"
  /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const g = r.generation; console.log(process.argv[2], r.device, r.dtype, g.decodeTokensPerS?.toFixed(1), "tok/s", g.jPerOutputToken?.toFixed(3), "J/token; ttft", (g.ttft.meanS * 1000).toFixed(1), "ms")' "$R/carbonlens-$1.json" "$1"
}
profile() { # NAME DIR DTYPE (RAW=1: without CarbonLens's last-row logits, see bench/llmProfile.ts)
  timeout 240 /tmp/node out/bench/llmProfile.js "$2" "$3" /tmp/llm-prompts.jsonl 64 "$R/profile" text-generation cuda > /dev/null 2> "$R/profile-$1.err" || failed "$R/profile-$1.err"
  mv "$R/profile/profile-$(basename "$2")-$3${RAW:+-raw}.json" "$R/profile-$1.json" 2> /dev/null && head -c 700 "$R/profile-$1.json"; echo
}
torch_peer() { # NAME SIZE DIR [MODES]
  PYTHONPATH=bench:bench/llm timeout 400 python3 bench/llm/torch_llm.py "$3" /tmp/llm-prompts.jsonl "$NEW" "$2" "${4:-eager,compiled}" "$IDLE_S" > "$R/torch-$1.json" 2> "$R/torch-$1.err" || failed "$R/torch-$1.err"
  head -c 500 "$R/torch-$1.json"; echo
}

# The cache's trip through host memory alone (bench/cacheCopies.ts): 0.5B's and 1.5B's shapes at 200 positions.
if step copies; then
  for shape in "24 2 64" "28 2 128"; do
    timeout 60 /tmp/node out/bench/cacheCopies.js cuda $shape 200 >> "$R/cache-copies.jsonl" 2> "$R/cache-copies.err" || failed "$R/cache-copies.err"
  done
  cat "$R/cache-copies.jsonl"
fi
step export && export_model 05 0.5b /tmp/qwen05k
step profile && [ -f /tmp/qwen05k/onnx/model_fp16.onnx ] && profile 05 /tmp/qwen05k fp16
step bench && bench_llm 05-fp16 /tmp/qwen05k fp16
if step gqa; then
  build_gqa 05gqa 0.5b /tmp/qwen05gqa 64
  if [ -f /tmp/qwen05gqa/onnx/model_fp16.onnx ] && step modes; then
    python3 -c 'import json, random; r = random.Random(7); [print(json.dumps({"prompt": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(120)), "answer": "-"})) for _ in range('"$PROMPTS"')]' > /tmp/iob-prompts.jsonl
    timeout 150 /tmp/node out/bench/ioBinding.js --model /tmp/qwen05gqa --dtype fp16 --device cuda --prompts /tmp/iob-prompts.jsonl \
      --new "$NEW" --samples "$PROMPTS" --modes session-run,io-binding,fixed-cache,cuda-graph > "$R/modes-05gqa.jsonl" 2> "$R/modes-05gqa.err" || failed "$R/modes-05gqa.err"
    cat "$R/modes-05gqa.jsonl"
    if [ "${DECODER:-}" = auto ]; then
      DECODER=io-binding
      grep -q '"mode":"cuda-graph".*"same_tokens_as_session_run":true' "$R/modes-05gqa.jsonl" && DECODER=fixed-cache
      echo "CarbonLens's decoder for the benches: $DECODER"
    fi
  fi
  [ "${DECODER:-}" = auto ] && DECODER=io-binding
  [ -f /tmp/qwen05gqa/onnx/model_fp16.onnx ] && { step profile && profile 05gqa /tmp/qwen05gqa fp16; bench_llm 05gqa-fp16 /tmp/qwen05gqa fp16; }
fi
# PyTorch reads the prompts' tokens through the same tokenizer.json (any folder that has it).
tokens_dir() { if [ -f "/tmp/hf-$1/tokenizer.json" ]; then echo "/tmp/hf-$1"; else echo /tmp/qwen05k; fi; }
step torch && torch_peer 05 0.5b "$(tokens_dir 0.5b)" "$TORCH_SMALL_MODES"
if step large; then
  if step gqa; then
    build_gqa 15gqa 1.5b /tmp/qwen15gqa 128
    [ -f /tmp/qwen15gqa/onnx/model_fp16.onnx ] && bench_llm 15gqa-fp16 /tmp/qwen15gqa fp16
  else
    export_model 15 1.5b /tmp/qwen15k
    bench_llm 15-fp16 /tmp/qwen15k fp16
  fi
  torch_peer 15 1.5b "$(tokens_dir 1.5b)" compiled
fi
# Where a step's time goes, with and without CarbonLens's last-row logits (bench/llmProfile.ts), as time allows.
if step timing && [ -f /tmp/qwen05gqa/onnx/model_fp16.onnx ] && in_budget "decode timing"; then
  profile 05gqa /tmp/qwen05gqa fp16
  RAW=1 profile 05gqa-raw /tmp/qwen05gqa fp16
fi
# The eager peers as time allows (the ratios against compiled need only the compiled ones).
step torch && [[ "$TORCH_SMALL_MODES" != *eager* ]] && in_budget "PyTorch eager, 0.5B" && torch_peer 05-eager 0.5b "$(tokens_dir 0.5b)" eager
if step q4 && in_budget q4f16; then
  if step gqa && [ -f /tmp/qwen05gqa/onnx/model_fp16.onnx ]; then
    build_gqa 05gqa-q4 0.5b /tmp/qwen05gqa 64 int4 q4f16
    [ -f /tmp/qwen05gqa/onnx/model_q4f16.onnx ] && bench_llm 05gqa-q4f16 /tmp/qwen05gqa q4f16
  else
    [ -f /tmp/qwen05k/onnx/model_q4f16.onnx ] || timeout 240 python3 bench/llm/quantize.py /tmp/qwen05k/onnx/model_fp16.onnx /tmp/qwen05k/onnx/model_q4f16.onnx > "$R/quantize.log" 2>&1 || failed "$R/quantize.log"
    bench_llm 05-q4f16 /tmp/qwen05k q4f16
  fi
fi
step large && [[ "$TORCH_LARGE_MODES" == *eager* ]] && in_budget "PyTorch eager, 1.5B" && torch_peer 15-eager 1.5b "$(tokens_dir 1.5b)" eager
echo "elapsed ${SECONDS} s"
[ -f bench/llm/summary-cuda.mjs ] && { timeout 60 /tmp/node bench/llm/summary-cuda.mjs "$R" "$OUT/llm-cuda.json" && cat "$OUT/llm-cuda.json" || echo "FAILED: bench/llm/summary-cuda.mjs"; }
ls "$R" "$R/profile"
