#!/usr/bin/env bash
# On the GPU machine (device tool): GGUF files of Qwen2.5-0.5B's and 1.5B's shapes (the random
# weights of bench/llm/qwen.py save-hf, seed 0, as the ONNX and PyTorch runs use) made with
# llama.cpp's own tools, F16 by its converter (convert_hf_to_gguf.py, bench/llm/gguf_convert.py)
# and Q4_K_M by its quantizer (llama_model_quantize, bench/llm/gguf_quantize.py), each through
# `carbonlens bench --task text-generation --device cuda` on node-llama-cpp's CUDA build of
# llama.cpp: the prompts and lengths of bench/llm/gpu-llm-cuda.sh and gpu-iobinding.sh (PROMPTS
# prompts of 120 random letters, NEW new tokens, greedy).
#   OUT=/tmp/gguf bash bench/llm/gpu-gguf.sh
# Needs dist/ built, .dev-carry/ (bench/vit/device-setup.sh), .llama-convert/
# (bench/llm/fetch-llama-converter.sh) and node-llama-cpp's pieces (bench/llm/pack-llama-cuda.sh,
# bench/llm/gguf-setup.sh) carried, or the last two left in /tmp by earlier calls (docs/benchmarks.md). $OUT gets gguf.json (bench/llm/summary-gguf.mjs) and
# gguf-records.tar.xz (the records, logs and versions). SIZES and QUANTS pick what runs (default
# "0.5b 1.5b" and "f16 q4_k_m"); TORCH=1 adds PyTorch compiled (bench/llm/torch_llm.py) for each
# size in the same call, after every GGUF file, as time allows. No step runs past BUDGET_S seconds from the start
# (default 420: the script ends within 8 minutes).
set -uo pipefail
source bench/vit/device-setup.sh
source bench/llm/gguf-setup.sh
PROMPTS=${PROMPTS:-10} NEW=${MAX_NEW_TOKENS:-128} SIZES=${SIZES:-"0.5b 1.5b"} QUANTS=${QUANTS:-"f16 q4_k_m"}
IDLE_S=${IDLE_S:-3} BUDGET_S=${BUDGET_S:-420} DEVICE=${DEVICE:-cuda} TORCH=${TORCH:-0}
# A step's time limit: its own, or what is left of BUDGET_S seconds if less (at least 1).
limit() { local left=$((BUDGET_S - SECONDS)); [ "$left" -lt 1 ] && left=1; [ "$left" -lt "$1" ] && echo "$left" || echo "$1"; }
R=/tmp/gguf-run M=/tmp/gguf-models && rm -rf "$R" && mkdir -p "$R" "$M"
trap 'rc=$?; tar cJf "$OUT/gguf-records.tar.xz" -C "$R" . 2>/dev/null; [ "$rc" -eq 0 ] && rc=$FAILED; exit "$rc"' EXIT

# What ran: Node, node-llama-cpp and its builds, the converter's source, the GPU, the Python packages.
timeout 30 /tmp/node -p 'JSON.stringify({ node: process.version,
  node_llama_cpp: require("./node_modules/node-llama-cpp/package.json").version,
  llama_cpp_cuda_build: require("./node_modules/@node-llama-cpp/linux-x64-cuda/package.json").version,
  llama_cpp_release: require("./node_modules/node-llama-cpp/llama/llama.cpp.info.json").tag,
  converter: (() => { try { return JSON.parse(require("fs").readFileSync(process.env.LLAMA_CONVERT + "/SOURCE.json", "utf8")); } catch { return null; } })(),
  gpu: (() => { try { return require("child_process").execSync("nvidia-smi --query-gpu=name,driver_version --format=csv,noheader").toString().trim(); } catch { return null; } })(),
  cuda_libraries: process.env.LLAMA_CUDA_DIRS || null, cuda_kernels: JSON.parse(process.env.LLAMA_KERNELS) })' > "$R/versions.json" 2> "$R/versions.err" || failed "$R/versions.err"
# Whether CarbonLens finds the CUDA build able to run on this GPU and driver (its kernels read before loading).
timeout 30 /tmp/node dist/cli.js llama status --json > "$R/llama-status.json" 2>&1; grep -A1 '"cudaUnfit"' "$R/llama-status.json"
timeout 60 python3 -m pip list --format=freeze 2> /dev/null | grep -iE '^(torch|transformers|tokenizers|safetensors|numpy|pyyaml|tqdm|sentencepiece|nvidia-cublas[a-z0-9-]*|nvidia-cuda-runtime[a-z0-9-]*)==' > "$R/pip-freeze.txt"
cat "$R/versions.json" "$R/pip-freeze.txt"
# llama.cpp's build as node-llama-cpp loads it, before any model is made (why not, if not).
timeout 90 /tmp/node bench/llm/llama-probe.mjs "$DEVICE" > "$R/llama-probe.json" 2> "$R/llama-probe.err" || failed "$R/llama-probe.err"
cat "$R/llama-probe.json"
# The prompts of gpu-llm-cuda.sh and gpu-iobinding.sh (same seed, same letters).
python3 -c 'import json, random; r = random.Random(7); [print(json.dumps({"prompt": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(120)), "answer": "-"})) for _ in range('"$PROMPTS"')]' > /tmp/gguf-prompts.jsonl

# NAME SIZE: the transformers folder (qwen.py save-hf, or the one an earlier script left in /tmp/hf-SIZE).
hf_model() {
  [ -f "/tmp/hf-$2/config.json" ] && return
  PYTHONPATH=bench/llm timeout "$(limit 150)" python3 bench/llm/qwen.py save-hf "/tmp/hf-$2" --size "$2" > "$R/save-hf-$1.log" 2>&1 || failed "$R/save-hf-$1.log"
}
# NAME SIZE QUANT: the GGUF file, made once.
gguf_file() {
  local file=$M/qwen-$1-$3.gguf
  [ -f "$file" ] && return
  if [ "$3" = f16 ] || [ "$3" = q8_0 ]; then
    timeout "$(limit 240)" python3 bench/llm/gguf_convert.py "/tmp/hf-$2" "$file" --outtype "$3" --converter "$LLAMA_CONVERT" > "$R/convert-$1-$3.log" 2>&1 || failed "$R/convert-$1-$3.log"
    tail -n 2 "$R/convert-$1-$3.log"
  else
    [ -f "$M/qwen-$1-f16.gguf" ] || gguf_file "$1" "$2" f16
    timeout "$(limit 120)" python3 bench/llm/gguf_quantize.py "$LIBLLAMA" "$M/qwen-$1-f16.gguf" "$file" "${3^^}" "$(nproc)" > "$R/quantize-$1-$3.log" 2>&1 || failed "$R/quantize-$1-$3.log"
    tail -n 1 "$R/quantize-$1-$3.log"
  fi
  [ -f "$file" ] && stat -c '{"file": "%n", "bytes": %s}' "$file" >> "$R/files.jsonl"
}
# NAME QUANT: carbonlens bench on the file, metered like every other run.
bench_gguf() {
  local file=$M/qwen-$1-$2.gguf tag=gguf-$1-$2
  [ -f "$file" ] || return
  echo "== carbonlens bench $file ($DEVICE)"
  timeout "$(limit 240)" /tmp/node dist/cli.js bench --model "$file" --task text-generation --device "$DEVICE" \
    --dataset /tmp/gguf-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms "${IDLE_S}000" --json \
    --out "$R/emissions.csv" > "$R/carbonlens-$tag.json" 2> "$R/carbonlens-$tag.err" || failed "$R/carbonlens-$tag.err"
  timeout 30 /tmp/node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).result; const g = r.generation;
    console.log(process.argv[2], r.device, r.dtype, g.decodeTokensPerS?.toFixed(1), "tok/s", g.jPerOutputToken?.toFixed(3), "J/token; ttft", (g.ttft.meanS * 1000).toFixed(1), "ms;", g.outputTokens, "tokens out;", JSON.stringify(r.runtime.engine))' \
    "$R/carbonlens-$tag.json" "$tag" 2>> "$R/carbonlens-$tag.err"
}
torch_peer() { # NAME SIZE
  PYTHONPATH=bench:bench/llm timeout "$(limit 200)" python3 bench/llm/torch_llm.py "/tmp/hf-$2" /tmp/gguf-prompts.jsonl "$NEW" "$2" compiled "$IDLE_S" > "$R/torch-$1.json" 2> "$R/torch-$1.err" || failed "$R/torch-$1.err"
  head -c 400 "$R/torch-$1.json"; echo
}

for size in $SIZES; do
  name=${size//./}
  name=${name%b}
  [ "$SECONDS" -lt "$BUDGET_S" ] || { echo "skipped (past ${BUDGET_S} s): $size"; continue; }
  hf_model "$name" "$size"
  for quant in $QUANTS; do
    [ "$SECONDS" -lt "$BUDGET_S" ] || { echo "skipped (past ${BUDGET_S} s): $size $quant"; continue; }
    gguf_file "$name" "$size" "$quant"
    bench_gguf "$name" "$quant"
  done
  echo "elapsed ${SECONDS} s"
done
# PyTorch compiled on the same weights and prompts, after every GGUF file, as time allows.
if [ "$TORCH" = 1 ]; then
  for size in $SIZES; do
    name=${size//./}
    name=${name%b}
    if [ "$SECONDS" -lt "$BUDGET_S" ]; then torch_peer "$name" "$size"; else echo "skipped (past ${BUDGET_S} s): PyTorch $size"; fi
  done
  echo "elapsed ${SECONDS} s"
fi
timeout 30 /tmp/node bench/llm/summary-gguf.mjs "$R" "$OUT/gguf.json" && head -c 3000 "$OUT/gguf.json" || echo "FAILED: bench/llm/summary-gguf.mjs"
ls -l "$R" "$M"
