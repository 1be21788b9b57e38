#!/usr/bin/env bash
# On the GPU machine (device tool): a decoder of Qwen2.5-0.5B's shape (bench/llm/qwen.py, random
# weights, fp16) through `carbonlens bench --task text-generation --device cuda`, and the same
# model, prompts and lengths through transformers' generate() (bench/llm/torch_llm.py), each
# prompt metered in a prefill and a decode window on the GPU's NVML energy counter. $OUT gets
# both records, and CarbonLens's runs of the same model with 4-bit weights (bench/llm/quantize.py,
# SKIP_Q4=1 to leave it out) and on WebGPU (SKIP_WEBGPU=1); bench/llm/summary.mjs writes
# bench/results/llm-h200.json from them.
# The CUDA provider: bench/cuda/provider-setup.sh (.ort13/ pieces, or cuda-provider install).
set -uo pipefail
source bench/vit/device-setup.sh
source bench/cuda/provider-setup.sh
PROMPTS=${PROMPTS:-20} NEW=${MAX_NEW_TOKENS:-128}
PYTHONPATH=bench python3 -c 'import json, nvml_energy; print(json.dumps(nvml_energy.versions()))' > "$OUT/versions.json" || failed "$OUT/versions.json"
/tmp/node dist/cli.js cuda-provider status --dir /tmp/ort13 | head -1 > "$OUT/status.txt"

[ -f /tmp/qwen05/onnx/model_fp16.onnx ] || python3 bench/llm/qwen.py export /tmp/qwen05 > "$OUT/export.log" 2>&1 || { failed "$OUT/export.log"; exit 1; }
cat "$OUT/export.log"
# Prompts of 120 random letters: every prompt is the same number of tokens.
python3 -c 'import json, random; r = random.Random(7); [print(json.dumps({"prompt": "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(120)), "answer": "-"})) for _ in range('"$PROMPTS"')]' > /tmp/llm-prompts.jsonl

/tmp/node dist/cli.js bench --model /tmp/qwen05 --task text-generation --device cuda --dtype fp16 \
  --dataset /tmp/llm-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms 3000 --json \
  --out "$OUT/emissions.csv" > "$OUT/carbonlens.json" 2> "$OUT/carbonlens.err" || failed "$OUT/carbonlens.err"
# The same model with 4-bit weights (q4f16), as the hub's conversions carry them.
if [ -z "${SKIP_Q4:-}" ]; then
  [ -f /tmp/qwen05/onnx/model_q4f16.onnx ] || python3 bench/llm/quantize.py /tmp/qwen05/onnx/model_fp16.onnx /tmp/qwen05/onnx/model_q4f16.onnx > "$OUT/quantize.log" 2>&1 || failed "$OUT/quantize.log"
  cat "$OUT/quantize.log"
  /tmp/node dist/cli.js bench --model /tmp/qwen05 --task text-generation --device cuda --dtype q4f16 \
    --dataset /tmp/llm-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms 3000 --json \
    --out "$OUT/emissions.csv" > "$OUT/carbonlens-q4f16.json" 2> "$OUT/carbonlens-q4f16.err" || failed "$OUT/carbonlens-q4f16.err"
fi
# The fp16 model on WebGPU (Dawn over Vulkan), the runtime for GPUs without CUDA.
if [ -z "${SKIP_WEBGPU:-}" ]; then
  timeout 300 /tmp/node dist/cli.js bench --model /tmp/qwen05 --task text-generation --device webgpu --dtype fp16 \
    --dataset /tmp/llm-prompts.jsonl --samples "$PROMPTS" --max-new-tokens "$NEW" --idle-ms 3000 --json \
    --out "$OUT/emissions.csv" > "$OUT/carbonlens-webgpu.json" 2> "$OUT/carbonlens-webgpu.err" || failed "$OUT/carbonlens-webgpu.err"
fi
PYTHONPATH=bench:bench/llm python3 bench/llm/torch_llm.py /tmp/qwen05 /tmp/llm-prompts.jsonl "$NEW" > "$OUT/torch.json" 2> "$OUT/torch.err" || failed "$OUT/torch.err"
/tmp/node bench/llm/summary.mjs "$OUT" "$OUT/llm-h200.json" && cat "$OUT/llm-h200.json"
