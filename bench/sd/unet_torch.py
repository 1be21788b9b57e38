# Stable Diffusion 1.5's UNet (860 M parameters, random weights: none can be downloaded on our
# machines) on the GPU: exported to ONNX for onnxruntime-node (eager attention; SDPA exports run
# badly on WebGPU), and timed in PyTorch as the peer: one denoising step = one UNet call on a batch
# of 2 (classifier-free guidance) at 64x64 latents (512x512 images), GPU energy from NVML.
#   python3 bench/sd/unet_torch.py export OUT_DIR     -> OUT_DIR/unet/model.onnx (+ data)
#   python3 bench/sd/unet_torch.py time > torch.json
import ctypes, json, os, sys, time
import torch
from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import AttnProcessor

def unet():
    torch.manual_seed(0)
    m = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8).eval()
    m.set_attn_processor(AttnProcessor())
    return m

def inputs(dtype, device):
    return (torch.randn(2, 4, 64, 64, dtype=dtype, device=device), torch.tensor([500, 500], device=device), torch.randn(2, 77, 768, dtype=dtype, device=device))

if sys.argv[1] == "export":
    out = os.path.join(sys.argv[2], "unet")
    os.makedirs(out, exist_ok=True)
    m = unet()
    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m
        def forward(self, sample, timestep, encoder_hidden_states):
            return self.m(sample, timestep, encoder_hidden_states, return_dict=False)[0]
    with torch.no_grad():
        torch.onnx.export(Wrap(m), inputs(torch.float32, "cpu"), os.path.join(out, "model.onnx"), input_names=["sample", "timestep", "encoder_hidden_states"],
                          output_names=["out_sample"], opset_version=17, dynamo=True, external_data=True)
    print(f"exported {sum(p.numel() for p in m.parameters()) / 1e6:.0f} M parameters")
else:
    nvml = ctypes.CDLL("libnvidia-ml.so.1")
    nvml.nvmlInit_v2()
    handle = ctypes.c_void_p()
    nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(handle))
    def energy_j():
        v = ctypes.c_ulonglong()
        nvml.nvmlDeviceGetTotalEnergyConsumption(handle, ctypes.byref(v))
        return v.value / 1000
    m = unet().cuda()
    results = []
    for dtype in (torch.float32, torch.float16):
        mm = m.to(dtype)
        x = inputs(dtype, "cuda")
        with torch.inference_mode():
            for _ in range(3):
                mm(*x)
            torch.cuda.synchronize()
            steps, e0, t0 = 30, energy_j(), time.perf_counter()
            for _ in range(steps):
                mm(*x)
            torch.cuda.synchronize()
            s, j = time.perf_counter() - t0, energy_j() - e0
        results.append({"runtime": "pytorch-cuda", "dtype": str(dtype).split(".")[1], "batch": 2, "latent": "64x64", "s_per_step": s / steps, "gpu_j_per_step": j / steps})
    print(json.dumps(results, indent=1))
