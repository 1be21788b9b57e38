# A decoder of Qwen2.5-0.5B's shape (random weights, seeded), built by Hugging Face transformers,
# and a plain-PyTorch copy of its forward pass that takes and returns the key-value cache as
# tensors: what transformers.js's exports take (onnx/model*.onnx with past_key_values.N.key/value
# in, present.N.key/value out). The copy reads the same parameters as the transformers model.
#   python3 bench/llm/qwen.py export OUT_DIR   # config, tokenizer and onnx/model_fp16.onnx in OUT_DIR
import json
import math
import os
import sys

import torch
from torch import nn
from transformers import Qwen2Config, Qwen2ForCausalLM

SIZES = dict(
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    vocab_size=151936,
    rope_theta=1_000_000.0,
    rms_norm_eps=1e-6,
    max_position_embeddings=32768,
    tie_word_embeddings=True,
)
HEAD_DIM = SIZES["hidden_size"] // SIZES["num_attention_heads"]


def hf_model(seed=0):
    """The transformers model, fp16 on the GPU, random weights from `seed`."""
    torch.manual_seed(seed)
    config = Qwen2Config(**SIZES, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    return Qwen2ForCausalLM(config).to(torch.float16).cuda().eval()


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class CachedForward(nn.Module):
    """Qwen2's forward pass (RMSNorm, RoPE, grouped-query attention, SwiGLU) with the cache as tensors."""

    def __init__(self, hf):
        super().__init__()
        self.hf = hf
        c = hf.config
        self.heads, self.kv_heads, self.eps = c.num_attention_heads, c.num_key_value_heads, c.rms_norm_eps
        # transformers 5 keeps RoPE's base in rope_parameters; 4.x as rope_theta.
        rope = getattr(c, "rope_parameters", None) or {}
        self.theta = rope.get("rope_theta", getattr(c, "rope_theta", None))

    def rms(self, x, weight):
        v = x.float().pow(2).mean(-1, keepdim=True)
        return weight * (x.float() * torch.rsqrt(v + self.eps)).to(x.dtype)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        m = self.hf.model
        x = m.embed_tokens(input_ids)
        b, s = input_ids.shape
        inv = 1.0 / (self.theta ** (torch.arange(0, HEAD_DIM, 2, device=x.device, dtype=torch.float32) / HEAD_DIM))
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
            q = a.q_proj(h).view(b, s, self.heads, HEAD_DIM).transpose(1, 2)
            k = a.k_proj(h).view(b, s, self.kv_heads, HEAD_DIM).transpose(1, 2)
            v = a.v_proj(h).view(b, s, self.kv_heads, HEAD_DIM).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = torch.cat((past[2 * i], k * cos + rotate_half(k) * sin), dim=2)
            v = torch.cat((past[2 * i + 1], v), dim=2)
            presents += [k, v]
            kk = k[:, :, None].expand(b, self.kv_heads, rep, t, HEAD_DIM).reshape(b, self.heads, t, HEAD_DIM)
            vv = v[:, :, None].expand(b, self.kv_heads, rep, t, HEAD_DIM).reshape(b, self.heads, t, HEAD_DIM)
            w = ((q @ kk.transpose(-1, -2)).float() / math.sqrt(HEAD_DIM) + bias).softmax(-1).to(x.dtype)
            x = x + a.o_proj((w @ vv).transpose(1, 2).reshape(b, s, self.heads * HEAD_DIM))
            h = self.rms(x, layer.post_attention_layernorm.weight)
            x = x + layer.mlp.down_proj(nn.functional.silu(layer.mlp.gate_proj(h)) * layer.mlp.up_proj(h))
        return (self.hf.lm_head(self.rms(x, m.norm.weight)), *presents)


def empty_past(batch=1, length=0):
    shape = (batch, SIZES["num_key_value_heads"], length, HEAD_DIM)
    return [torch.zeros(shape, dtype=torch.float16, device="cuda") for _ in range(2 * SIZES["num_hidden_layers"])]


def check(hf, copy):
    """The copy's logits against transformers' on the same prompt, then one cached step."""
    ids = torch.randint(0, SIZES["vocab_size"], (1, 12), device="cuda")
    with torch.no_grad():
        ref = hf(ids).logits
        mask = torch.ones_like(ids)
        pos = torch.arange(12, device="cuda")[None]
        out = copy(ids[:, :11], mask[:, :11], pos[:, :11], *empty_past())
        step = copy(ids[:, 11:], mask, pos[:, 11:], *out[1:])
    got = torch.cat((out[0], step[0]), dim=1)
    return {
        "max_abs_logit_diff": float((got.float() - ref.float()).abs().max()),
        "argmax_agreement": float((got.argmax(-1) == ref.argmax(-1)).float().mean()),
    }


def tokenizer_files():
    """A Unigram tokenizer over the model's whole vocabulary: characters first, placeholders after."""
    specials = ["<pad>", "</s>", "<unk>"]
    chars = [c for ch in "abcdefghijklmnopqrstuvwxyz0123456789.,:?" for c in (ch, "\u2581" + ch)]
    pieces = specials + ["\u2581"] + chars
    pieces += [f"<extra_{i}>" for i in range(SIZES["vocab_size"] - len(pieces))]
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


def export(out):
    hf = hf_model()
    copy = CachedForward(hf).eval()
    print(json.dumps({"check": check(hf, copy)}), flush=True)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    layers = SIZES["num_hidden_layers"]
    past_names = [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    present_names = [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    ids = torch.randint(0, 100, (1, 5), device="cuda")
    args = (
        ids,
        torch.ones((1, 8), dtype=torch.int64, device="cuda"),
        torch.arange(3, 8, device="cuda")[None],
        *empty_past(1, 3),
    )
    dynamic = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
        **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
    }
    with torch.no_grad():
        torch.onnx.export(
            copy,
            args,
            os.path.join(out, "onnx", "model_fp16.onnx"),
            input_names=["input_ids", "attention_mask", "position_ids", *past_names],
            output_names=["logits", *present_names],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    config = {
        "model_type": "qwen2",
        "architectures": ["Qwen2ForCausalLM"],
        **SIZES,
        "head_dim": HEAD_DIM,
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


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "export":
        sys.exit("usage: python3 bench/llm/qwen.py export OUT_DIR")
    export(sys.argv[2])
