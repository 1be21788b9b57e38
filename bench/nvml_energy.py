# The GPU's total energy counter through NVML (the board's, idle included), for the PyTorch peers.
import ctypes

_nvml = ctypes.CDLL("libnvidia-ml.so.1")
_nvml.nvmlInit_v2()
_handle = ctypes.c_void_p()
_nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(_handle))


def energy_j():
    """Joules since the driver loaded (nvmlDeviceGetTotalEnergyConsumption counts mJ)."""
    value = ctypes.c_ulonglong()
    _nvml.nvmlDeviceGetTotalEnergyConsumption(_handle, ctypes.byref(value))
    return value.value / 1000
