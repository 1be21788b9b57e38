# T5-shaped summarizers (random weights, seeded) built by Hugging Face transformers from configs
# written here (no hub), and a plain-PyTorch copy of their forward passes exported in the layout
# transformers.js 4.3 loads without Optimum and without an `If` node:
#   onnx/encoder_model.onnx          input_ids, attention_mask -> last_hidden_state
#   onnx/decoder_model_merged.onnx   input_ids, encoder_hidden_states, encoder_attention_mask,
#                                    past_key_values.{i}.decoder.{key,value} (length 0 on the first step)
#                                    -> logits, present.{i}.decoder.{key,value}, present.{i}.encoder.{key,value}
# The cross-attention keys and values are recomputed from encoder_hidden_states at every step
# (transformers.js keeps the first step's present.*.encoder and feeds no encoder past); the graph
# returns them only on the first step (zero length afterwards), so later steps do not copy them
# back to the host. `_fp16` files are the same graph from the model in half precision.
# The copy reads the transformers model's own parameters; `check` compares the two.
# CarbonLens's step layout too (src/core/models/ortSeq2SeqStatic.ts), which CarbonLens decodes on
# CUDA with each decoder step a CUDA graph; `step_check` compares its greedy tokens with the copy's:
#   onnx/cross_kv.onnx               encoder_hidden_states -> cross.{i}.{key,value}
#   onnx/decoder_static.onnx         input_ids, position, cache_positions, encoder_attention_mask,
#                                    cross.{i}.*, past.{i}.* (fixed length) -> next_token, present.{i}.*
#   python3 bench/t5/t5.py export small|base OUT_DIR [fp32,fp16]
import json
import math
import os
import sys

import torch
from torch import nn
from transformers import T5Config, T5ForConditionalGeneration

COMMON = dict(
    vocab_size=32128,
    d_kv=64,
    relative_attention_num_buckets=32,
    relative_attention_max_distance=128,
    layer_norm_epsilon=1e-6,
    feed_forward_proj="relu",
    tie_word_embeddings=True,
    is_encoder_decoder=True,
    decoder_start_token_id=0,
    pad_token_id=0,
    eos_token_id=1,
)
SIZES = {
    "small": dict(d_model=512, d_ff=2048, num_layers=6, num_decoder_layers=6, num_heads=8),
    "base": dict(d_model=768, d_ff=3072, num_layers=12, num_decoder_layers=12, num_heads=12),
}
MAX_INPUT_TOKENS = 512
# Relative positions the bias table covers, each way: encoder inputs and summaries up to this long.
RELATIVE_SPAN = 4096


def f32(x):
    """x in float32, with no Cast when it already is: onnxruntime drops chained no-op Casts wrongly."""
    return x if x.dtype == torch.float32 else x.float()


def like(x, ref):
    return x if x.dtype == ref.dtype else x.to(ref.dtype)


def hf_model(size, dtype=torch.float32, seed=0, device="cuda"):
    """transformers' T5 of that size, random weights from `seed`, eager attention."""
    torch.manual_seed(seed)
    config = T5Config(**COMMON, **SIZES[size])
    config._attn_implementation = "eager"
    return T5ForConditionalGeneration(config).to(dtype).to(device).eval()


def bucket(relative, bidirectional, num_buckets, max_distance):
    """T5's relative position bucket (transformers' T5Attention._relative_position_bucket)."""
    buckets = torch.zeros_like(relative)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (relative > 0).to(torch.long) * num_buckets
        relative = relative.abs()
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    exact = num_buckets // 2
    small = relative < exact
    large = exact + (
        torch.log(relative.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (num_buckets - exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(small, relative, large)


class Parts(nn.Module):
    """What the encoder and the decoder copies share: RMS norm, attention, feed-forward."""

    def __init__(self, hf):
        super().__init__()
        self.hf = hf
        c = hf.config
        self.heads, self.d_kv, self.d_model = c.num_heads, c.d_kv, c.d_model
        self.tied = c.tie_word_embeddings
        # Each relative position's bucket, for offsets -(n-1)..n-1, computed once here: the graph
        # then looks biases up by offset instead of computing logarithms over every query-key pair
        # (int64 work onnxruntime may place on the CPU).
        rel = torch.arange(-(RELATIVE_SPAN - 1), RELATIVE_SPAN)
        device = hf.lm_head.weight.device
        args = (c.relative_attention_num_buckets, c.relative_attention_max_distance)
        self.register_buffer("bi_buckets", bucket(rel, True, *args).to(device), persistent=False)
        self.register_buffer("uni_buckets", bucket(rel, False, *args).to(device), persistent=False)

    def norm(self, x, layer_norm):
        xf = f32(x)
        v = xf.pow(2).mean(-1, keepdim=True)
        return layer_norm.weight * like(xf * torch.rsqrt(v + layer_norm.variance_epsilon), x)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.d_kv).transpose(1, 2)

    def attend(self, q, k, v, bias, out):
        # T5 does not scale the scores (its initialisation does); softmax in float32.
        w = like((f32(q @ k.transpose(-1, -2)) + bias).softmax(-1), q)
        b, _, s, _ = q.shape
        return out((w @ v).transpose(1, 2).reshape(b, s, self.heads * self.d_kv))

    def ff(self, x, layer):
        h = self.norm(x, layer.layer_norm)
        return x + layer.DenseReluDense.wo(torch.relu(layer.DenseReluDense.wi(h)))

    def position_bias(self, attention, queries, keys, bidirectional):
        """[1, heads, queries, keys] float32: the bias of each key's offset from each query."""
        buckets = self.bi_buckets if bidirectional else self.uni_buckets
        per_offset = attention.relative_attention_bias(buckets)  # [offsets, heads]
        offset = keys[None, :] - queries[:, None] + (RELATIVE_SPAN - 1)
        return f32(nn.functional.embedding(offset, per_offset).permute(2, 0, 1)[None])


class Encoder(Parts):
    def forward(self, input_ids, attention_mask):
        enc = self.hf.encoder
        x = self.hf.shared(input_ids)
        s = input_ids.shape[1]
        pos = torch.arange(s, device=x.device)
        first = enc.block[0].layer[0].SelfAttention
        neg = torch.finfo(torch.float32).min
        bias = self.position_bias(first, pos, pos, True) + (1.0 - attention_mask[:, None, None, :].float()) * neg
        for block in enc.block:
            a = block.layer[0].SelfAttention
            h = self.norm(x, block.layer[0].layer_norm)
            x = x + self.attend(self.split(a.q(h)), self.split(a.k(h)), self.split(a.v(h)), bias, a.o)
            x = self.ff(x, block.layer[1])
        return self.norm(x, enc.final_layer_norm)


class Decoder(Parts):
    def forward(self, input_ids, encoder_hidden_states, encoder_attention_mask, *past):
        dec = self.hf.decoder
        x = self.hf.shared(input_ids)
        s = input_ids.shape[1]
        p = past[0].shape[2]
        queries = torch.arange(s, device=x.device) + p
        keys = torch.arange(p + s, device=x.device)
        neg = torch.finfo(torch.float32).min
        first = dec.block[0].layer[0].SelfAttention
        causal = (keys[None, :] > queries[:, None]).float()[None, None] * neg
        self_bias = self.position_bias(first, queries, keys, False) + causal
        cross_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * neg
        # The encoder's keys and values go out on the first step only (past length 0): indices
        # 0..n-1 with n = encoder length on that step and 0 after it.
        on_first = (torch._shape_as_tensor(past[0])[2] == 0).to(torch.long)
        kept = torch.arange(torch._shape_as_tensor(encoder_hidden_states)[1] * on_first, device=x.device)
        presents, cross = [], []
        for i, block in enumerate(dec.block):
            a = block.layer[0].SelfAttention
            h = self.norm(x, block.layer[0].layer_norm)
            k = torch.cat((past[2 * i], self.split(a.k(h))), dim=2)
            v = torch.cat((past[2 * i + 1], self.split(a.v(h))), dim=2)
            presents += [k, v]
            x = x + self.attend(self.split(a.q(h)), k, v, self_bias, a.o)
            c = block.layer[1].EncDecAttention
            h = self.norm(x, block.layer[1].layer_norm)
            ck, cv = self.split(c.k(encoder_hidden_states)), self.split(c.v(encoder_hidden_states))
            cross += [ck.index_select(2, kept), cv.index_select(2, kept)]
            x = x + self.attend(self.split(c.q(h)), ck, cv, cross_bias, c.o)
            x = self.ff(x, block.layer[2])
        x = self.norm(x, dec.final_layer_norm)
        if self.tied:
            x = x * (self.d_model**-0.5)
        return (self.hf.lm_head(x), *presents, *cross)


class CrossKV(Parts):
    """The cross-attention keys and values of every decoder layer, once per input (the step layout)."""

    def forward(self, encoder_hidden_states):
        out = []
        for block in self.hf.decoder.block:
            c = block.layer[1].EncDecAttention
            out += [self.split(c.k(encoder_hidden_states)), self.split(c.v(encoder_hidden_states))]
        return tuple(out)


class Step(Parts):
    """One greedy decoder step over a cache of fixed length (CarbonLens's step layout,
    src/core/models/ortSeq2SeqStatic.ts): the row `position` of each layer's cache is written
    (the rest kept), keys 0..position are read, and the output is the next token. No input's
    shape is read in the graph, so onnxruntime can capture the step as a CUDA graph."""

    def forward(self, input_ids, position, cache_positions, encoder_attention_mask, *rest):
        layers = self.hf.config.num_decoder_layers
        cross, past = rest[: 2 * layers], rest[2 * layers :]
        dec = self.hf.decoder
        x = self.hf.shared(input_ids)
        neg = torch.finfo(torch.float32).min
        first = dec.block[0].layer[0].SelfAttention
        per_offset = first.relative_attention_bias(self.uni_buckets)  # [offsets, heads]
        offset = cache_positions - position + (RELATIVE_SPAN - 1)
        causal = (cache_positions > position).float() * neg
        self_bias = f32(per_offset[offset]).t()[None, :, None, :] + causal[None, None, None, :]
        cross_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * neg
        row = (cache_positions == position).to(x.dtype)[None, None, :, None]
        keep = 1 - row
        presents = []
        for i, block in enumerate(dec.block):
            a = block.layer[0].SelfAttention
            h = self.norm(x, block.layer[0].layer_norm)
            k = past[2 * i] * keep + self.split(a.k(h)) * row
            v = past[2 * i + 1] * keep + self.split(a.v(h)) * row
            presents += [k, v]
            x = x + self.attend(self.split(a.q(h)), k, v, self_bias, a.o)
            c = block.layer[1].EncDecAttention
            h = self.norm(x, block.layer[1].layer_norm)
            x = x + self.attend(self.split(c.q(h)), cross[2 * i], cross[2 * i + 1], cross_bias, c.o)
            x = self.ff(x, block.layer[2])
        x = self.norm(x, dec.final_layer_norm)
        if self.tied:
            x = x * (self.d_model**-0.5)
        return (f32(self.hf.lm_head(x)).argmax(-1), *presents)


def step_check(hf, new_tokens=12, cache=64):
    """Greedy tokens of the step layout against the copy's cached decoder, on one input."""
    enc, dec, cross, step = Encoder(hf).eval(), Decoder(hf).eval(), CrossKV(hf).eval(), Step(hf).eval()
    device = hf.lm_head.weight.device
    c = hf.config
    ids = torch.randint(2, c.vocab_size, (1, 30), device=device)
    mask = torch.ones_like(ids)
    with torch.no_grad():
        states = enc(ids, mask)
        want, past, tok = [], empty_past(hf), 0
        for _ in range(new_tokens):
            out = dec(torch.tensor([[tok]], device=device), states, mask, *past)
            tok = int(out[0][0, -1].argmax())
            want.append(tok)
            past = list(out[1 : 1 + 2 * c.num_decoder_layers])
        kv = cross(states)
        caches = [torch.zeros(1, c.num_heads, cache, c.d_kv, dtype=states.dtype, device=device)] * (
            2 * c.num_decoder_layers
        )
        positions = torch.arange(cache, device=device)
        got, tok = [], 0
        for t in range(new_tokens):
            out = step(
                torch.tensor([[tok]], device=device), torch.tensor([t], device=device), positions, mask, *kv, *caches
            )
            tok = int(out[0][0, 0])
            got.append(tok)
            caches = list(out[1:])
    return {"same_tokens": got == want, "tokens": len(got)}


def export_step(hf, folder, suffix, length=64):
    """onnx/cross_kv and onnx/decoder_static in the step layout, encoder and cache lengths symbolic."""
    c = hf.config
    device = hf.lm_head.weight.device
    cross, step = CrossKV(hf).eval(), Step(hf).eval()
    names = [f"{i}.{k}" for i in range(c.num_decoder_layers) for k in ("key", "value")]
    enc = {1: "encoder_sequence_length"}
    states = torch.randn(1, length, c.d_model, dtype=hf.lm_head.weight.dtype, device=device)
    with torch.no_grad():
        torch.onnx.export(
            cross,
            (states,),
            os.path.join(folder, "onnx", f"cross_kv{suffix}.onnx"),
            input_names=["encoder_hidden_states"],
            output_names=[f"cross.{n}" for n in names],
            dynamic_axes={
                "encoder_hidden_states": enc,
                **{f"cross.{n}": {2: "encoder_sequence_length"} for n in names},
            },
            opset_version=17,
            dynamo=False,
        )
        kv = cross(states)
        past = empty_past(hf, 1, length)
        args = (
            torch.tensor([[4]], device=device),
            torch.tensor([3], device=device),
            torch.arange(length, device=device),
            torch.ones(1, length, dtype=torch.long, device=device),
            *kv,
            *past,
        )
        torch.onnx.export(
            step,
            args,
            os.path.join(folder, "onnx", f"decoder_static{suffix}.onnx"),
            input_names=[
                "input_ids",
                "position",
                "cache_positions",
                "encoder_attention_mask",
                *[f"cross.{n}" for n in names],
                *[f"past.{n}" for n in names],
            ],
            output_names=["next_token", *[f"present.{n}" for n in names]],
            dynamic_axes={
                "cache_positions": {0: "max_length"},
                "encoder_attention_mask": enc,
                **{f"cross.{n}": {2: "encoder_sequence_length"} for n in names},
                **{f"{p}.{n}": {2: "max_length"} for p in ("past", "present") for n in names},
            },
            opset_version=17,
            dynamo=False,
        )


def empty_past(hf, batch=1, length=0):
    c = hf.config
    shape = (batch, c.num_heads, length, c.d_kv)
    dtype, device = hf.lm_head.weight.dtype, hf.lm_head.weight.device
    return [torch.zeros(shape, dtype=dtype, device=device) for _ in range(2 * c.num_decoder_layers)]


def check(hf):
    """The copies against transformers on one input: encoder states, then two decoder steps."""
    enc, dec = Encoder(hf).eval(), Decoder(hf).eval()
    device = hf.lm_head.weight.device
    ids = torch.randint(2, hf.config.vocab_size, (1, 20), device=device)
    mask = torch.ones_like(ids)
    mask[:, 17:] = 0
    dids = torch.tensor([[0, 5, 9]], device=device)
    with torch.no_grad():
        ref_enc = hf.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        ref = hf(input_ids=ids, attention_mask=mask, decoder_input_ids=dids).logits
        states = enc(ids, mask)
        out = dec(dids[:, :2], states, mask, *empty_past(hf))
        layers = hf.config.num_decoder_layers
        step = dec(dids[:, 2:], states, mask, *out[1 : 1 + 2 * layers])
    got = torch.cat((out[0], step[0]), dim=1)
    return {
        "encoder_max_abs_diff": float((states.float() - ref_enc.float())[:, :17].abs().max()),
        "max_abs_logit_diff": float((got.float() - ref.float()).abs().max()),
        "argmax_agreement": float((got.argmax(-1) == ref.argmax(-1)).float().mean()),
        "encoder_present_len_first_step": int(out[1 + 2 * layers].shape[2]),
        "encoder_present_len_second_step": int(step[1 + 2 * layers].shape[2]),
    }


def tokenizer_files():
    """A T5-like Unigram tokenizer (Metaspace, lowercase, </s> appended) over the whole vocabulary."""
    specials = ["<pad>", "</s>", "<unk>"]
    chars = [c for ch in "abcdefghijklmnopqrstuvwxyz0123456789.,:;?!'-" for c in (ch, "\u2581" + ch)]
    words = ["\u2581the", "\u2581and", "\u2581of", "\u2581to", "\u2581in", "\u2581a", "\u2581is", "\u2581was"]
    pieces = specials + ["\u2581"] + chars + words
    pieces += [f"<extra_{i}>" for i in range(COMMON["vocab_size"] - len(pieces))]
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    special = [
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
    ]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [
                {"Sequence": {"id": "A", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}},
        },
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": 2,
            "vocab": [[p, 0.0 if i < 3 else -1.0 - len(p)] for i, p in enumerate(pieces)],
            "byte_fallback": False,
        },
    }
    config = {
        "tokenizer_class": "T5Tokenizer",
        "model_max_length": MAX_INPUT_TOKENS,
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
    }
    return tokenizer, config


def export_one(hf, folder, suffix):
    layers = hf.config.num_decoder_layers
    device = hf.lm_head.weight.device
    enc, dec = Encoder(hf).eval(), Decoder(hf).eval()
    ids = torch.randint(2, 100, (1, 7), device=device)
    mask = torch.ones_like(ids)
    with torch.no_grad():
        torch.onnx.export(
            enc,
            (ids, mask),
            os.path.join(folder, "onnx", f"encoder_model{suffix}.onnx"),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
                "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"},
            },
            opset_version=17,
            dynamo=False,
        )
        states = enc(ids, mask)
        past_names = [f"past_key_values.{i}.decoder.{k}" for i in range(layers) for k in ("key", "value")]
        present_names = [f"present.{i}.decoder.{k}" for i in range(layers) for k in ("key", "value")]
        cross_names = [f"present.{i}.encoder.{k}" for i in range(layers) for k in ("key", "value")]
        dynamic = {
            "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
            "encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
            "logits": {0: "batch_size", 1: "decoder_sequence_length"},
            **{n: {0: "batch_size", 2: "past_decoder_sequence_length"} for n in past_names},
            **{n: {0: "batch_size", 2: "total_decoder_sequence_length"} for n in present_names},
            **{n: {0: "batch_size", 2: "encoder_sequence_length_out"} for n in cross_names},
        }
        # Traced with a past of 3 so that the past's length is read from the input, not a constant.
        torch.onnx.export(
            dec,
            (torch.tensor([[4]], device=device), states, mask, *empty_past(hf, 1, 3)),
            os.path.join(folder, "onnx", f"decoder_model_merged{suffix}.onnx"),
            input_names=["input_ids", "encoder_hidden_states", "encoder_attention_mask", *past_names],
            output_names=["logits", *present_names, *cross_names],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )


def ort_check(folder, suffix, hf):
    """The exported decoder on onnxruntime's CPU against the copy: first step, then one cached step."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        return {"skipped": str(e)}
    dec = Decoder(hf).eval()
    device = hf.lm_head.weight.device
    layers = hf.config.num_decoder_layers
    so = ort.SessionOptions()
    e = ort.InferenceSession(os.path.join(folder, "onnx", f"encoder_model{suffix}.onnx"), so, ["CPUExecutionProvider"])
    d = ort.InferenceSession(
        os.path.join(folder, "onnx", f"decoder_model_merged{suffix}.onnx"), so, ["CPUExecutionProvider"]
    )
    ids = np.random.default_rng(1).integers(2, 500, (1, 40)).astype(np.int64)
    mask = np.ones_like(ids)
    (states,) = e.run(None, {"input_ids": ids, "attention_mask": mask})
    dtype = states.dtype
    c = hf.config
    empty = np.zeros((1, c.num_heads, 0, c.d_kv), dtype=dtype)
    feeds = {
        "input_ids": np.array([[0]], dtype=np.int64),
        "encoder_hidden_states": states,
        "encoder_attention_mask": mask,
    }
    names = [f"past_key_values.{i}.decoder.{k}" for i in range(layers) for k in ("key", "value")]
    out1 = d.run(None, {**feeds, **{n: empty for n in names}})
    tok = int(out1[0][0, -1].argmax())
    out2 = d.run(
        None,
        {
            **feeds,
            "input_ids": np.array([[tok]], dtype=np.int64),
            **dict(zip(names, out1[1 : 1 + 2 * layers], strict=True)),
        },
    )
    with torch.no_grad():
        t_states = torch.from_numpy(states).to(device)
        t_mask = torch.from_numpy(mask).to(device)
        r1 = dec(torch.tensor([[0]], device=device), t_states, t_mask, *empty_past(hf))
        r2 = dec(torch.tensor([[tok]], device=device), t_states, t_mask, *r1[1 : 1 + 2 * layers])
    return {
        "step1_max_abs_diff": float(np.abs(out1[0].astype(np.float32) - r1[0].float().cpu().numpy()).max()),
        "step2_max_abs_diff": float(np.abs(out2[0].astype(np.float32) - r2[0].float().cpu().numpy()).max()),
        "step2_same_argmax": bool(out2[0][0, -1].argmax() == int(r2[0][0, -1].argmax())),
        "encoder_present_len": [int(out1[1 + 2 * layers].shape[2]), int(out2[1 + 2 * layers].shape[2])],
    }


def write_files(out, sizes):
    """config.json, generation_config.json and the tokenizer's files, as transformers.js reads them."""
    config = {
        "model_type": "t5",
        "architectures": ["T5ForConditionalGeneration"],
        **COMMON,
        **sizes,
        # No end-of-sequence token: every summary runs to max_new_tokens, as in the PyTorch peer.
        "eos_token_id": None,
        "n_positions": MAX_INPUT_TOKENS,
    }
    tokenizer, tokenizer_config = tokenizer_files()
    files = {
        "config.json": config,
        "generation_config.json": {"decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": None},
        "tokenizer.json": tokenizer,
        "tokenizer_config.json": tokenizer_config,
    }
    for name, value in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(value, f)


def export(size, out, dtypes=("fp32", "fp16")):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    report = {"size": size}
    for dtype in dtypes:
        hf = hf_model(size, torch.float16 if dtype == "fp16" else torch.float32)
        report[f"check_{dtype}"] = check(hf)
        report[f"step_check_{dtype}"] = step_check(hf)
        suffix = "_fp16" if dtype == "fp16" else ""
        export_one(hf, out, suffix)
        export_step(hf, out, suffix)
        try:
            report[f"ort_{dtype}"] = ort_check(out, suffix, hf)
        except Exception as e:  # the CPU provider may lack a float16 kernel: the check is optional
            report[f"ort_{dtype}"] = {"error": str(e).splitlines()[0][:300]}
        print(
            json.dumps(
                {
                    dtype: report[f"check_{dtype}"],
                    f"step_{dtype}": report[f"step_check_{dtype}"],
                    f"ort_{dtype}": report[f"ort_{dtype}"],
                }
            ),
            flush=True,
        )
        del hf
        torch.cuda.empty_cache()
    write_files(out, SIZES[size])
    return report


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[1] != "export" or sys.argv[2] not in SIZES:
        sys.exit("usage: python3 bench/t5/t5.py export small|base OUT_DIR [fp32,fp16]")
    export(sys.argv[2], sys.argv[3], tuple(sys.argv[4].split(",")) if len(sys.argv) == 5 else ("fp32", "fp16"))
