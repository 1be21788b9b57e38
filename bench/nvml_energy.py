# The GPU's total energy counter through NVML (the board's, idle included), for the PyTorch
# peers. pynvml (the nvidia-ml-py package) raises on every NVML error: a failed read stops the
# benchmark instead of counting as 0 J.
import pynvml

pynvml.nvmlInit()
_handle = pynvml.nvmlDeviceGetHandleByIndex(int(__import__("os").environ.get("CARBONLENS_GPU_INDEX", "0")))


def energy_j():
    """Joules since the driver loaded (nvmlDeviceGetTotalEnergyConsumption counts mJ)."""
    return pynvml.nvmlDeviceGetTotalEnergyConsumption(_handle) / 1000


def versions():
    """What a figure depends on: the GPU, its driver, CUDA as PyTorch sees it, the libraries."""
    import importlib.metadata as md
    import torch

    def version(name):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    name = pynvml.nvmlDeviceGetName(_handle)
    return {
        "gpu": name.decode() if isinstance(name, bytes) else name,
        "driver": pynvml.nvmlSystemGetDriverVersion(),
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "transformers": version("transformers"),
        "onnx": version("onnx"),
        "onnxruntime_python": version("onnxruntime"),
    }
