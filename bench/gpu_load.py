# A known GPU load for bench/gpuWindows.ts: reads a duration in seconds per line on stdin,
# runs fp32 matrix products for that long (synchronised), answers "done". Keeps the CUDA
# context warm between windows so that no start-up cost lands inside one.
import sys
import time
import torch

a = torch.randn(8192, 8192, device="cuda")
b = torch.randn(8192, 8192, device="cuda")
for _ in range(3):
    a @ b
torch.cuda.synchronize()
print("ready", flush=True)
for line in sys.stdin:
    seconds = float(line)
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        a @ b
        torch.cuda.synchronize()
        n += 1
    print(f"done {n}", flush=True)
