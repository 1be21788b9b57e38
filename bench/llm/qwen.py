# A decoder of Qwen2.5-0.5B's shape (random weights, seeded), built by Hugging Face transformers,
# and a plain-PyTorch copy of its forward pass that takes and returns the key-value cache as
# tensors: what transformers.js's exports take (onnx/model*.onnx with past_key_values.N.key/value
# in, present.N.key/value out). The copy reads the same parameters as the transformers model.
# With --last-logits the graph also takes num_logits_to_keep (int64 scalar; transformers.js feeds
# 1 while generating, 0 = every position): the prompt's pass then projects only its last
# position onto the vocabulary. --size 1.5b gives Qwen2.5-1.5B's shape.
#   python3 bench/llm/qwen.py export OUT_DIR [--size 0.5b|1.5b] [--last-logits]
# `save-hf` writes the transformers model itself (config, safetensors, tokenizer) for converters
# that read one, such as onnxruntime-genai's model builder:
#   python3 bench/llm/qwen.py save-hf OUT_DIR [--size 0.5b|1.5b]
import json
import math
import os
import sys

import torch
from torch import nn
from transformers import Qwen2Config, Qwen2ForCausalLM

COMMON = dict(
    num_key_value_heads=2,
    vocab_size=151936,
    rope_theta=1_000_000.0,
    rms_norm_eps=1e-6,
    max_position_embeddings=32768,
    tie_word_embeddings=True,
)
SHAPES = {
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, **COMMON),
    "1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12, **COMMON),
}


def hf_model(seed=0, size="0.5b"):
    """The transformers model, fp16 on the GPU, random weights from `seed`."""
    torch.manual_seed(seed)
    config = Qwen2Config(**SHAPES[size], bos_token_id=None, eos_token_id=None, pad_token_id=None)
    return Qwen2ForCausalLM(config).to(torch.float16).cuda().eval()


def head_dim(config):
    return config.hidden_size // config.num_attention_heads


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class CachedForward(nn.Module):
    """Qwen2's forward pass (RMSNorm, RoPE, grouped-query attention, SwiGLU) with the cache as tensors."""

    def __init__(self, hf, last_logits=False):
        super().__init__()
        self.hf = hf
        self.last_logits = last_logits
        c = hf.config
        self.head_dim = head_dim(c)
        self.heads, self.kv_heads, self.eps = c.num_attention_heads, c.num_key_value_heads, c.rms_norm_eps
        # transformers 5 keeps RoPE's base in rope_parameters; 4.x as rope_theta.
        rope = getattr(c, "rope_parameters", None) or {}
        self.theta = rope.get("rope_theta", getattr(c, "rope_theta", None))

    def rms(self, x, weight):
        v = x.float().pow(2).mean(-1, keepdim=True)
        return weight * (x.float() * torch.rsqrt(v + self.eps)).to(x.dtype)

    def forward(self, input_ids, attention_mask, position_ids, *rest):
        # With last_logits, num_logits_to_keep comes first after position_ids.
        keep, past = (rest[0], rest[1:]) if self.last_logits else (None, rest)
        hd = self.head_dim
        m = self.hf.model
        x = m.embed_tokens(input_ids)
        b, s = input_ids.shape
        inv = 1.0 / (self.theta ** (torch.arange(0, hd, 2, device=x.device, dtype=torch.float32) / hd))
        freqs = position_ids.float()[..., None] * inv
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype)[:, None], emb.sin().to(x.dtype)[:, None]
        p = past[0].shape[2]
        t = p + s
        allowed = (torch.arange(t, device=x.device)[None, :] <= torch.arange(s, device=x.device)[:, None] + p)[
            None, None
        ] & attention_mask[:, None, None, :].bool()
        bias = torch.zeros(allowed.shape, dtype=torch.float32, device=x.device).masked_fill(~allowed, -1e9)
        rep = self.heads // self.kv_heads
        presents = []
        for i, layer in enumerate(m.layers):
            a = layer.self_attn
            h = self.rms(x, layer.input_layernorm.weight)
            q = a.q_proj(h).view(b, s, self.heads, hd).transpose(1, 2)
            k = a.k_proj(h).view(b, s, self.kv_heads, hd).transpose(1, 2)
            v = a.v_proj(h).view(b, s, self.kv_heads, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = torch.cat((past[2 * i], k * cos + rotate_half(k) * sin), dim=2)
            v = torch.cat((past[2 * i + 1], v), dim=2)
            presents += [k, v]
            kk = k[:, :, None].expand(b, self.kv_heads, rep, t, hd).reshape(b, self.heads, t, hd)
            vv = v[:, :, None].expand(b, self.kv_heads, rep, t, hd).reshape(b, self.heads, t, hd)
            w = ((q @ kk.transpose(-1, -2)).float() / math.sqrt(hd) + bias).softmax(-1).to(x.dtype)
            x = x + a.o_proj((w @ vv).transpose(1, 2).reshape(b, s, self.heads * hd))
            h = self.rms(x, layer.post_attention_layernorm.weight)
            x = x + layer.mlp.down_proj(nn.functional.silu(layer.mlp.gate_proj(h)) * layer.mlp.up_proj(h))
        if keep is not None:
            # The last `keep` positions (all of them for 0), as indices: the length stays dynamic.
            n = torch._shape_as_tensor(x)[1].to(x.device)
            start = (n - keep) * (keep > 0).to(torch.long)
            x = x.index_select(1, torch.arange(start, n, device=x.device))
        return (self.hf.lm_head(self.rms(x, m.norm.weight)), *presents)


def empty_past(config, batch=1, length=0):
    shape = (batch, config.num_key_value_heads, length, head_dim(config))
    return [torch.zeros(shape, dtype=torch.float16, device="cuda") for _ in range(2 * config.num_hidden_layers)]


def check(hf, copy):
    """The copy's logits against transformers' on the same prompt, then one cached step."""
    c = hf.config
    ids = torch.randint(0, c.vocab_size, (1, 12), device="cuda")
    keep = (torch.tensor(0, device="cuda"),) if copy.last_logits else ()
    with torch.no_grad():
        ref = hf(ids).logits
        mask = torch.ones_like(ids)
        pos = torch.arange(12, device="cuda")[None]
        out = copy(ids[:, :11], mask[:, :11], pos[:, :11], *keep, *empty_past(c))
        step = copy(ids[:, 11:], mask, pos[:, 11:], *keep, *out[1:])
        if copy.last_logits:
            last = copy(ids[:, :11], mask[:, :11], pos[:, :11], torch.tensor(1, device="cuda"), *empty_past(c))
            if last[0].shape[1] != 1:
                raise SystemExit(
                    f"num_logits_to_keep=1 gave logits of shape {tuple(last[0].shape)}, not one position's"
                )
            last_diff = float((last[0][:, -1].float() - out[0][:, -1].float()).abs().max())
    got = torch.cat((out[0], step[0]), dim=1)
    return {
        "max_abs_logit_diff": float((got.float() - ref.float()).abs().max()),
        "argmax_agreement": float((got.argmax(-1) == ref.argmax(-1)).float().mean()),
        **({"last_position_logit_diff": last_diff} if copy.last_logits else {}),
    }


def tokenizer_files():
    """A Unigram tokenizer over the model's whole vocabulary: characters first, placeholders after."""
    specials = ["<pad>", "</s>", "<unk>"]
    chars = [c for ch in "abcdefghijklmnopqrstuvwxyz0123456789.,:?" for c in (ch, "\u2581" + ch)]
    pieces = specials + ["\u2581"] + chars
    pieces += [f"<extra_{i}>" for i in range(COMMON["vocab_size"] - len(pieces))]
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": i,
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for i, t in enumerate(specials)
        ],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": metaspace,
        "post_processor": None,
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": 2,
            "vocab": [[p, 0.0 if i < 3 else -1.0 - len(p)] for i, p in enumerate(pieces)],
            "byte_fallback": False,
        },
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "model_max_length": 32768,
    }
    return tokenizer, config


def export(out, size="0.5b", last_logits=False):
    hf = hf_model(size=size)
    c = hf.config
    copy = CachedForward(hf, last_logits).eval()
    print(json.dumps({"size": size, "last_logits": last_logits, "check": check(hf, copy)}), flush=True)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    layers = c.num_hidden_layers
    past_names = [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    present_names = [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    ids = torch.randint(0, 100, (1, 5), device="cuda")
    args = (
        ids,
        torch.ones((1, 8), dtype=torch.int64, device="cuda"),
        torch.arange(3, 8, device="cuda")[None],
        *((torch.tensor(1, device="cuda"),) if last_logits else ()),
        *empty_past(c, 1, 3),
    )
    dynamic = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "logits_length" if last_logits else "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
        **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
    }
    with torch.no_grad():
        torch.onnx.export(
            copy,
            args,
            os.path.join(out, "onnx", "model_fp16.onnx"),
            input_names=[
                "input_ids",
                "attention_mask",
                "position_ids",
                *(["num_logits_to_keep"] if last_logits else []),
                *past_names,
            ],
            output_names=["logits", *present_names],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    if last_logits:
        print(json.dumps({"ort_last_logits": ort_check(os.path.join(out, "onnx", "model_fp16.onnx"), c)}), flush=True)
    config = {
        "model_type": "qwen2",
        "architectures": ["Qwen2ForCausalLM"],
        **SHAPES[size],
        "head_dim": head_dim(c),
        "bos_token_id": None,
        "eos_token_id": None,
        "torch_dtype": "float16",
    }
    tokenizer, tokenizer_config = tokenizer_files()
    for name, value in {
        "config.json": config,
        # No end-of-sequence token: every answer runs to max_new_tokens, as in the PyTorch peer.
        "generation_config.json": {"bos_token_id": None, "eos_token_id": None},
        "tokenizer.json": tokenizer,
        "tokenizer_config.json": tokenizer_config,
    }.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(value, f)


def ort_check(path, config):
    """The exported graph in onnxruntime (python): logits' length with num_logits_to_keep 1 and 0."""
    try:
        import numpy as np
        import onnxruntime as ort

        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
        session = ort.InferenceSession(path, providers=providers)
        n = 11
        past = np.zeros((1, config.num_key_value_heads, 0, head_dim(config)), dtype=np.float16)
        feeds = {
            "input_ids": np.arange(3, 3 + n, dtype=np.int64)[None],
            "attention_mask": np.ones((1, n), dtype=np.int64),
            "position_ids": np.arange(n, dtype=np.int64)[None],
            **{i.name: past for i in session.get_inputs() if i.name.startswith("past_key_values")},
        }
        one = session.run(["logits"], {**feeds, "num_logits_to_keep": np.array(1, dtype=np.int64)})[0]
        every = session.run(["logits"], {**feeds, "num_logits_to_keep": np.array(0, dtype=np.int64)})[0]
        return {
            "provider": session.get_providers()[0],
            "keep_1_shape": list(one.shape),
            "keep_0_shape": list(every.shape),
            "last_max_abs_diff": float(np.abs(one[0, -1].astype(np.float32) - every[0, -1].astype(np.float32)).max()),
        }
    except Exception as e:  # optional: onnxruntime may be missing or lack a float16 kernel
        return {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"}


def save_hf(out, size="0.5b"):
    hf = hf_model(size=size)
    hf.save_pretrained(out)
    tokenizer, tokenizer_config = tokenizer_files()
    files = {
        "tokenizer.json": tokenizer,
        "tokenizer_config.json": tokenizer_config,
        # As export's: no end-of-sequence token, every answer runs to max_new_tokens.
        "generation_config.json": {"bos_token_id": None, "eos_token_id": None},
    }
    for name, value in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(value, f)


if __name__ == "__main__":
    args = sys.argv[1:]
    size = args[args.index("--size") + 1] if "--size" in args else "0.5b"
    rest = [
        a for i, a in enumerate(args) if a not in ("--size", "--last-logits") and (i == 0 or args[i - 1] != "--size")
    ]
    if len(rest) != 2 or rest[0] not in ("export", "save-hf") or size not in SHAPES:
        sys.exit("usage: python3 bench/llm/qwen.py export|save-hf OUT_DIR [--size 0.5b|1.5b] [--last-logits]")
    if rest[0] == "save-hf":
        save_hf(rest[1], size)
    else:
        export(rest[1], size, "--last-logits" in args)
