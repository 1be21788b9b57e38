# The PyTorch peer of `carbonlens bench --task text-generation` on bench/llm/qwen.py's model:
# transformers' generate(), greedy, batch 1, the same prompts (same token ids, through the same
# tokenizer.json and the same "Question: ...\nAnswer:" wrapping) and the same number of new
# tokens, served two ways in one run: eager (the dynamic cache, a Python loop per token) and as an
# engineer serves a small model (a static cache and torch.compile's "reduce-overhead" mode: CUDA
# graphs). Each prompt is metered as CarbonLens meters it: the GPU's NVML energy counter read when
# the call starts, when the first new token exists (the streamer's second put: prefill), and
# when the call returns (decode). Prints one JSON object: {"eager": {...}, "compiled": {...}}.
#   python3 bench/llm/torch_llm.py MODEL_DIR PROMPTS.jsonl MAX_NEW_TOKENS [SIZE] [MODES] [IDLE_S]
# SIZE: 0.5b (default) or 1.5b (bench/llm/qwen.py's shapes); MODES: eager,compiled (default).
import json
import sys
import time

import nvml_energy
import torch
from tokenizers import Tokenizer

WARMUPS = 3


class Marks:
    """Streamer: put() gets the prompt first, then each new token (already on the CPU)."""

    def __init__(self):
        self.puts = 0
        self.first = None

    def put(self, _value):
        self.puts += 1
        if self.puts == 2:
            torch.cuda.synchronize()
            self.first = (time.perf_counter(), nvml_energy.energy_j())

    def end(self):
        pass


def idle_w(seconds):
    torch.cuda.synchronize()
    e0, t0 = nvml_energy.energy_j(), time.perf_counter()
    time.sleep(seconds)
    return (nvml_energy.energy_j() - e0) / (time.perf_counter() - t0)


def serve_kwargs(mode):
    """generate()'s arguments for a way of serving: eager, or static cache + CUDA graphs."""
    if mode == "eager":
        return {}
    if mode == "compiled":
        from transformers import CompileConfig

        return dict(
            cache_implementation="static",
            compile_config=CompileConfig(mode="reduce-overhead", fullgraph=True),
        )
    raise ValueError(f"unknown mode {mode}")


def metered(model, inputs, generate, idle_s, label):
    """Runs generate() on each input (dicts of tensors), metered per prompt in two windows."""
    torch.cuda.reset_peak_memory_stats()
    before = idle_w(idle_s)
    t_warm = time.perf_counter()
    with torch.no_grad():
        for x in inputs[:WARMUPS]:
            model.generate(**x, **generate)
        warmup_s = time.perf_counter() - t_warm
        prefill_j = decode_j = prefill_s = decode_s = 0.0
        ttft, tokens_out, tokens_in, decode_tokens = [], 0, 0, 0
        for x in inputs:
            marks = Marks()
            torch.cuda.synchronize()
            t0, e0 = time.perf_counter(), nvml_energy.energy_j()
            out = model.generate(**x, streamer=marks, **generate)
            torch.cuda.synchronize()
            t2, e2 = time.perf_counter(), nvml_energy.energy_j()
            t1, e1 = marks.first
            prefill_j += e1 - e0
            decode_j += e2 - e1
            prefill_s += t1 - t0
            decode_s += t2 - t1
            ttft.append(t1 - t0)
            tokens_in += x["input_ids"].shape[1]
            made = marks.puts - 1
            tokens_out += made
            decode_tokens += made - 1
    idle = (before + idle_w(idle_s)) / 2
    return {
        "peer": label,
        "prompts": len(inputs),
        "warmup_s": warmup_s,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "decode_tokens": decode_tokens,
        "idle_w": idle,
        "prefill": {"seconds": prefill_s, "gpu_j": prefill_j, "net_gpu_j": prefill_j - idle * prefill_s},
        "decode": {"seconds": decode_s, "gpu_j": decode_j, "net_gpu_j": decode_j - idle * decode_s},
        "ttft_mean_s": sum(ttft) / len(ttft),
        "decode_tokens_per_s": decode_tokens / decode_s,
        "output_tokens_per_s": tokens_out / (prefill_s + decode_s),
        "gpu_j_per_output_token": decode_j / decode_tokens,
        "net_gpu_j_per_output_token": (decode_j - idle * decode_s) / decode_tokens,
        "gpu_j_per_input_token": prefill_j / tokens_in,
        "gpu_j_per_item": (prefill_j + decode_j) / len(inputs),
        "gpu_j_per_generated_token": (prefill_j + decode_j) / tokens_out,
        "peak_gpu_memory_mib": torch.cuda.max_memory_allocated() / 2**20,
        # generate() compiles the forward only where the model and cache allow it: say whether it did.
        "compiled_forward": getattr(model, "_compiled_call", None) is not None,
        "last_output_shape": list(out.shape),
    }


def serve_all(model, inputs, generate, modes, idle_s, what):
    """Each mode in turn; a mode that fails is reported with its error, not fatal."""
    result = {}
    for mode in modes:
        try:
            result[mode] = metered(model, inputs, {**generate, **serve_kwargs(mode)}, idle_s, f"{what}, {mode}")
        except Exception as e:  # compile errors differ by version: report and go on
            result[mode] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:400]}"}
        torch.cuda.empty_cache()
    result["versions"] = nvml_energy.versions()
    return result


def main(model_dir, prompts_file, max_new_tokens, size="0.5b", modes=("eager", "compiled"), idle_s=3.0):
    from qwen import hf_model

    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    prompts = [json.loads(line)["prompt"] for line in open(prompts_file) if line.strip()]
    inputs = []
    for p in prompts:
        ids = torch.tensor([tok.encode(f"Question: {p}\nAnswer:", add_special_tokens=False).ids], device="cuda")
        inputs.append({"input_ids": ids, "attention_mask": torch.ones_like(ids)})
    model = hf_model(size=size)  # the same weights as the export: hf_model() seeds them the same way
    generate = dict(max_new_tokens=max_new_tokens, min_new_tokens=max_new_tokens, do_sample=False, pad_token_id=0)
    what = f"transformers generate(), fp16, {size}, attention {model.config._attn_implementation}"
    print(json.dumps(serve_all(model, inputs, generate, modes, idle_s, what)))


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5, 6, 7):
        sys.exit(
            "usage: python3 bench/llm/torch_llm.py MODEL_DIR PROMPTS.jsonl MAX_NEW_TOKENS [0.5b|1.5b] [eager,compiled]"
            " [IDLE_S]"
        )
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        sys.argv[4] if len(sys.argv) >= 5 else "0.5b",
        tuple(sys.argv[5].split(",")) if len(sys.argv) >= 6 else ("eager", "compiled"),
        float(sys.argv[6]) if len(sys.argv) == 7 else 3.0,
    )
