# The PyTorch peer of `carbonlens bench --task summarization` on bench/t5/t5.py's models:
# transformers' generate(), greedy, batch 1, the same articles (the same token ids: the same
# tokenizer.json, truncated to 512 tokens as transformers.js truncates) and the same summary
# length (every summary exactly MAX_NEW_TOKENS: min_new_tokens = max_new_tokens), eager and with
# a static cache + torch.compile (reduce-overhead) in one run, metered per article as CarbonLens
# meters it (bench/llm/torch_llm.py: the encoder's pass and the first token, then the rest).
#   python3 bench/t5/torch_t5.py small|base fp32|fp16 MODEL_DIR ARTICLES.jsonl MAX_NEW_TOKENS [eager,compiled]
import json
import sys

import torch
from t5 import MAX_INPUT_TOKENS, hf_model
from tokenizers import Tokenizer
from torch_llm import serve_all


def main(size, dtype, model_dir, articles_file, max_new_tokens, modes=("eager", "compiled")):
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.enable_truncation(MAX_INPUT_TOKENS)
    texts = [json.loads(line)["text"] for line in open(articles_file) if line.strip()]
    inputs = []
    for t in texts:
        ids = torch.tensor([tok.encode(t).ids], device="cuda")
        inputs.append({"input_ids": ids, "attention_mask": torch.ones_like(ids)})
    model = hf_model(size, torch.float16 if dtype == "fp16" else torch.float32)
    generate = dict(
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        do_sample=False,
        num_beams=1,
        decoder_start_token_id=0,
        pad_token_id=0,
    )
    what = f"transformers T5ForConditionalGeneration.generate(), t5-{size} shape, {dtype}"
    print(json.dumps(serve_all(model, inputs, generate, modes, 3.0, what)))


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7):
        sys.exit(
            "usage: python3 bench/t5/torch_t5.py small|base fp32|fp16 MODEL_DIR ARTICLES.jsonl MAX_NEW_TOKENS"
            " [eager,compiled]"
        )
    modes = tuple(sys.argv[6].split(",")) if len(sys.argv) == 7 else ("eager", "compiled")
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), modes)
