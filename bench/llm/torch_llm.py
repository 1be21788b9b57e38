# The PyTorch peer of `carbonlens bench --task text-generation` on bench/llm/qwen.py's model:
# transformers' generate(), greedy, batch 1, the same prompts (same token ids, through the same
# tokenizer.json and the same "Question: ...\nAnswer:" wrapping) and the same number of new
# tokens. Each prompt is metered as CarbonLens meters it: the GPU's NVML energy counter read when
# the call starts, when the first new token exists (the streamer's second put: prefill), and
# when the call returns (decode). Prints one JSON object.
#   python3 bench/llm/torch_llm.py MODEL_DIR PROMPTS.jsonl MAX_NEW_TOKENS [IDLE_S]
import json
import sys
import time

import nvml_energy
import torch
from qwen import hf_model
from tokenizers import Tokenizer


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


def main(model_dir, prompts_file, max_new_tokens, idle_s=3.0):
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    prompts = [json.loads(line)["prompt"] for line in open(prompts_file) if line.strip()]
    ids = [
        torch.tensor([tok.encode(f"Question: {p}\nAnswer:", add_special_tokens=False).ids], device="cuda")
        for p in prompts
    ]
    model = hf_model()
    # The same weights as the export: hf_model() seeds them the same way.
    generate = dict(max_new_tokens=max_new_tokens, min_new_tokens=max_new_tokens, do_sample=False, pad_token_id=0)

    def idle():
        torch.cuda.synchronize()
        e0, t0 = nvml_energy.energy_j(), time.perf_counter()
        time.sleep(idle_s)
        return (nvml_energy.energy_j() - e0) / (time.perf_counter() - t0)

    idle_before = idle()
    with torch.no_grad():
        for x in ids[:2]:
            model.generate(x, attention_mask=torch.ones_like(x), **generate)
        prefill_j = decode_j = prefill_s = decode_s = 0.0
        ttft, tokens_out, tokens_in = [], 0, 0
        for x in ids:
            marks = Marks()
            torch.cuda.synchronize()
            t0, e0 = time.perf_counter(), nvml_energy.energy_j()
            out = model.generate(x, attention_mask=torch.ones_like(x), streamer=marks, **generate)
            torch.cuda.synchronize()
            t2, e2 = time.perf_counter(), nvml_energy.energy_j()
            t1, e1 = marks.first
            prefill_j += e1 - e0
            decode_j += e2 - e1
            prefill_s += t1 - t0
            decode_s += t2 - t1
            ttft.append(t1 - t0)
            tokens_in += x.shape[1]
            tokens_out += out.shape[1] - x.shape[1]
    idle_w = (idle_before + idle()) / 2
    decode_tokens = tokens_out - len(ids)
    print(
        json.dumps(
            {
                "peer": f"transformers generate(), fp16, attention {model.config._attn_implementation}",
                "prompts": len(ids),
                "input_tokens": tokens_in,
                "output_tokens": tokens_out,
                "decode_tokens": decode_tokens,
                "idle_w": idle_w,
                "prefill": {"seconds": prefill_s, "gpu_j": prefill_j, "net_gpu_j": prefill_j - idle_w * prefill_s},
                "decode": {"seconds": decode_s, "gpu_j": decode_j, "net_gpu_j": decode_j - idle_w * decode_s},
                "ttft_mean_s": sum(ttft) / len(ttft),
                "decode_tokens_per_s": decode_tokens / decode_s,
                "gpu_j_per_output_token": decode_j / decode_tokens,
                "net_gpu_j_per_output_token": (decode_j - idle_w * decode_s) / decode_tokens,
                "gpu_j_per_input_token": prefill_j / tokens_in,
                "peak_gpu_memory_mib": torch.cuda.max_memory_allocated() / 2**20,
                "versions": nvml_energy.versions(),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: python3 bench/llm/torch_llm.py MODEL_DIR PROMPTS.jsonl MAX_NEW_TOKENS [IDLE_S]")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) == 5 else 3.0)
