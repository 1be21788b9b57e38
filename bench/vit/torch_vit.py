# The peer for `carbonlens bench` on the GPU: the same ViT-Base/16 in PyTorch on CUDA, images/s
# and the GPU's energy per image from NVML's total-energy counter (mJ), read around each run.
#   python3 bench/vit/torch_vit.py > torch.json
import json
import os
import sys
import time
import torch
from transformers import ViTConfig, ViTForImageClassification

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from nvml_energy import energy_j

config = ViTConfig(image_size=224, patch_size=16, num_labels=10)
config._attn_implementation = "eager"
torch.manual_seed(0)
model = ViTForImageClassification(config).eval().cuda()
results = []
for dtype, batch, images in [(torch.float32, 1, 512), (torch.float32, 32, 2048), (torch.float16, 32, 4096)]:
    m = model.to(dtype)
    x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=dtype)
    with torch.inference_mode():
        for _ in range(5):
            m(pixel_values=x)
        torch.cuda.synchronize()
        e0, t0 = energy_j(), time.perf_counter()
        for _ in range(images // batch):
            m(pixel_values=x).logits.argmax(-1).cpu()
        torch.cuda.synchronize()
        seconds, joules = time.perf_counter() - t0, energy_j() - e0
    results.append(
        {
            "runtime": "pytorch-cuda",
            "dtype": str(dtype).split(".")[1],
            "batch": batch,
            "images": images,
            "images_per_s": images / seconds,
            "gpu_j_per_image": joules / images,
            "seconds": seconds,
        }
    )
print(json.dumps(results, indent=1))
