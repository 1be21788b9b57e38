# What a decoder's ONNX file does about decode speed: fused contrib ops (GroupQueryAttention,
# rotary, RMSNorm), last-position logits (num_logits_to_keep, or a pruned lm_head), If nodes,
# operator counts. With --head-dim N, first gives the cache inputs' and outputs' last dimension
# that number where the file leaves it symbolic (onnxruntime-genai's builder writes
# "kv_cache_dim", which transformers.js resolves to 0 for the empty first-step cache).
#   python3 bench/llm/graph_levers.py MODEL.onnx [--head-dim N]
import collections
import json
import sys

import onnx

FUSED = [
    "GroupQueryAttention",
    "MultiHeadAttention",
    "Attention",
    "RotaryEmbedding",
    "SimplifiedLayerNormalization",
    "SkipSimplifiedLayerNormalization",
    "SkipLayerNormalization",
    "MatMulNBits",
]


def fix_head_dim(model, head_dim):
    fixed = 0
    for value in [*model.graph.input, *model.graph.output]:
        if not value.name.startswith(("past_key_values", "present")):
            continue
        last = value.type.tensor_type.shape.dim[-1]
        if last.dim_param:
            last.Clear()
            last.dim_value = head_dim
            fixed += 1
    return fixed


def levers(model):
    ops = collections.Counter(n.op_type for n in model.graph.node)
    inputs = [i.name for i in model.graph.input]
    gathers_before_lm_head = any("prune" in n.name and n.op_type == "Gather" for n in model.graph.node)
    return {
        "nodes": len(model.graph.node),
        "fused_ops": {op: ops[op] for op in FUSED if ops[op]},
        "if_nodes": ops["If"],
        "last_position_logits": "num_logits_to_keep" in inputs or gathers_before_lm_head,
        "inputs": [i for i in inputs if not i.startswith("past_key_values")],
        "top_ops": dict(ops.most_common(12)),
    }


def main(path, head_dim=None):
    model = onnx.load(path, load_external_data=False)
    report = {}
    if head_dim:
        report["cache_dims_fixed"] = fix_head_dim(model, head_dim)
        if report["cache_dims_fixed"]:
            onnx.save(model, path)
    report.update(levers(model))
    print(json.dumps(report))


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or (len(args) not in (1, 3)) or (len(args) == 3 and args[1] != "--head-dim"):
        sys.exit("usage: python3 bench/llm/graph_levers.py MODEL.onnx [--head-dim N]")
    main(args[0], int(args[2]) if len(args) == 3 else None)
