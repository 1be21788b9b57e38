# Exports a ViT-Base/16 (224x224, 86 M parameters, random weights: no weights can be downloaded
# on our machines) to ONNX in transformers.js's folder layout, with CIFAR-10's labels.
# Eager attention: SDPA exports IsNaN/Where patterns that the WebGPU provider runs badly.
#   python3 bench/vit/export_vit.py OUT_DIR [base|small]   (small: ViT-S/16, 22 M parameters)
import json
import os
import sys
import torch
from transformers import ViTConfig, ViTForImageClassification

out = sys.argv[1]
size = {"base": {}, "small": {"hidden_size": 384, "num_attention_heads": 6, "intermediate_size": 1536}}[
    sys.argv[2] if len(sys.argv) > 2 else "base"
]
labels = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
config = ViTConfig(
    image_size=224,
    patch_size=16,
    num_labels=10,
    **size,
    id2label={i: name for i, name in enumerate(labels)},
    label2id={name: i for i, name in enumerate(labels)},
)
config._attn_implementation = "eager"
torch.manual_seed(0)
model = ViTForImageClassification(config).eval()
os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
torch.onnx.export(
    model,
    (torch.randn(1, 3, 224, 224),),
    os.path.join(out, "onnx", "model.onnx"),
    input_names=["pixel_values"],
    output_names=["logits"],
    dynamic_axes={"pixel_values": {0: "batch_size"}, "logits": {0: "batch_size"}},
    opset_version=17,
    dynamo=False,
)
config.save_pretrained(out)
with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
    json.dump(
        {
            "image_processor_type": "ViTImageProcessor",
            "do_resize": True,
            "size": {"height": 224, "width": 224},
            "resample": 2,
            "do_rescale": True,
            "rescale_factor": 1 / 255,
            "do_normalize": True,
            "image_mean": [0.5, 0.5, 0.5],
            "image_std": [0.5, 0.5, 0.5],
        },
        f,
    )
print(f"exported {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters to {out}")
