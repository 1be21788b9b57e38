# A fixed amount of GPU work for the attribution check: N fp32 matrix products of 8192x8192,
# each followed by a pause of P ms (a lighter load for the same work when P > 0).
import sys
import time

import torch

n, pause_ms = int(sys.argv[1]), float(sys.argv[2])
a = torch.randn(8192, 8192, device="cuda")
b = torch.randn(8192, 8192, device="cuda")
torch.cuda.synchronize()
t = time.perf_counter()
for _ in range(n):
    a @ b
    torch.cuda.synchronize()
    if pause_ms:
        time.sleep(pause_ms / 1000)
print(f"{n} products in {time.perf_counter() - t:.2f} s", flush=True)
