# Stable Diffusion 1.5's UNet architecture in plain PyTorch (the GPU machine has no diffusers):
# 4 levels of 320/640/1280/1280 channels, 2 ResNet blocks per level down and 3 up, a transformer
# block (self-attention, cross-attention to 77x768 text, GEGLU feed-forward) after each ResNet
# block of the first three levels and in the middle, 8 heads: 860 M parameters, random weights.
# One denoising step = one UNet call on a batch of 2 (classifier-free guidance) at 64x64 latents
# (512x512 images). Eager attention: SDPA exports run badly on WebGPU.
#   python3 bench/sd/unet_torch.py export OUT_DIR     -> OUT_DIR/unet/model.onnx (+ external data)
#   python3 bench/sd/unet_torch.py time > torch.json  (GPU energy from NVML's counter)
import json
import math
import os
import sys
import time
import torch
from torch import nn
import torch.nn.functional as F


def norm(c):
    return nn.GroupNorm(32, c, eps=1e-5)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb=1280):
        super().__init__()
        self.n1, self.c1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout)
        self.n2, self.c2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x))) + self.t(F.silu(emb))[:, :, None, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads=8):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = (
            nn.Linear(dim, dim, bias=False),
            nn.Linear(ctx_dim, dim, bias=False),
            nn.Linear(ctx_dim, dim, bias=False),
        )
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx):
        b, n, d = x.shape
        h = self.heads
        q, k, v = (t.reshape(b, -1, h, d // h).transpose(1, 2) for t in (self.q(x), self.k(ctx), self.v(ctx)))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        return self.o((w @ v).transpose(1, 2).reshape(b, n, d))


class Transformer(nn.Module):
    def __init__(self, c, ctx_dim=768):
        super().__init__()
        self.gn, self.pin, self.pout = norm(c), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.l1, self.a1 = nn.LayerNorm(c), Attention(c, c)
        self.l2, self.a2 = nn.LayerNorm(c), Attention(c, ctx_dim)
        self.l3, self.ff1, self.ff2 = nn.LayerNorm(c), nn.Linear(c, 8 * c), nn.Linear(4 * c, c)

    def forward(self, x, ctx):
        b, c, hh, ww = x.shape
        h = self.pin(self.gn(x)).flatten(2).transpose(1, 2)
        h = h + self.a1(self.l1(h), self.l1(h))
        h = h + self.a2(self.l2(h), ctx)
        a, g = self.ff1(self.l3(h)).chunk(2, dim=-1)
        h = h + self.ff2(a * F.gelu(g))
        return x + self.pout(h.transpose(1, 2).reshape(b, c, hh, ww))


class UNet(nn.Module):
    def __init__(self, ch=(320, 640, 1280, 1280), attn=(True, True, True, False)):
        super().__init__()
        self.t1, self.t2 = nn.Linear(320, 1280), nn.Linear(1280, 1280)
        self.cin = nn.Conv2d(4, ch[0], 3, padding=1)
        self.down, skips, c = nn.ModuleList(), [ch[0]], ch[0]
        for i, co in enumerate(ch):
            for _ in range(2):
                self.down.append(nn.ModuleList([ResBlock(c, co), Transformer(co) if attn[i] else nn.Identity()]))
                c = co
                skips.append(c)
            if i < len(ch) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid = nn.ModuleList([ResBlock(c, c), Transformer(c), ResBlock(c, c)])
        self.up = nn.ModuleList()
        for i, co in reversed(list(enumerate(ch))):
            for _ in range(3):
                self.up.append(
                    nn.ModuleList([ResBlock(c + skips.pop(), co), Transformer(co) if attn[i] else nn.Identity()])
                )
                c = co
            if i > 0:
                self.up.append(nn.Conv2d(c, c, 3, padding=1))
        self.nout, self.cout = norm(c), nn.Conv2d(c, 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        half = 160
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=sample.device, dtype=torch.float32) / half)
        args = timestep.float()[:, None] * freqs[None]
        emb = self.t2(F.silu(self.t1(torch.cat([torch.cos(args), torch.sin(args)], dim=-1).to(sample.dtype))))
        h = self.cin(sample)
        hs = [h]
        for m in self.down:
            h = (
                m(h)
                if isinstance(m, nn.Conv2d)
                else m[1](m[0](h, emb), encoder_hidden_states)
                if isinstance(m[1], Transformer)
                else m[0](h, emb)
            )
            hs.append(h)
        h = self.mid[2](self.mid[1](self.mid[0](h, emb), encoder_hidden_states), emb)
        for m in self.up:
            if isinstance(m, nn.Conv2d):
                h = m(F.interpolate(h, scale_factor=2.0, mode="nearest"))
            else:
                h = m[0](torch.cat([h, hs.pop()], dim=1), emb)
                if isinstance(m[1], Transformer):
                    h = m[1](h, encoder_hidden_states)
        return self.cout(F.silu(self.nout(h)))


def unet():
    torch.manual_seed(0)
    return UNet().eval()


def inputs(dtype, device):
    return (
        torch.randn(2, 4, 64, 64, dtype=dtype, device=device),
        torch.tensor([500, 500], device=device),
        torch.randn(2, 77, 768, dtype=dtype, device=device),
    )


if sys.argv[1] == "export":
    out = os.path.join(sys.argv[2], "unet")
    os.makedirs(out, exist_ok=True)
    m = unet()
    print(f"{sum(p.numel() for p in m.parameters()) / 1e6:.0f} M parameters", flush=True)
    with torch.no_grad():
        torch.onnx.export(
            m,
            inputs(torch.float32, "cpu"),
            os.path.join(out, "model.onnx"),
            input_names=["sample", "timestep", "encoder_hidden_states"],
            output_names=["out_sample"],
            opset_version=18,
            dynamo=True,
            external_data=True,
        )
    print("exported", flush=True)
else:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from nvml_energy import energy_j

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
        results.append(
            {
                "runtime": "pytorch-cuda",
                "dtype": str(dtype).split(".")[1],
                "batch": 2,
                "latent": "64x64",
                "s_per_step": s / steps,
                "gpu_j_per_step": j / steps,
            }
        )
    print(json.dumps(results, indent=1))
