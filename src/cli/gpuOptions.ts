// `--gpu LIST` for run, monitor, bench and compare: which GPU boards are metered (and, for a
// benchmark, which one runs the model).
import { GpuSelectionError, gpuRequest, type GpuRequest } from '../core/energy/gpuSelection';
import { UsageError } from './usage';

export const GPU_HELP = `  --gpu LIST           the GPUs to meter: NVML indices (as nvidia-smi numbers them) or UUIDs
                       (nvidia-smi -L; a unique prefix will do), comma-separated, or all. Default:
                       the GPUs CUDA_VISIBLE_DEVICES lets the run use, every GPU when it is not set`;

export const BENCH_GPU_HELP = `  --gpu ID            the one GPU that runs the model (CUDA) and is metered: an NVML index or
                      UUID. Default: CUDA's device 0 (the first of CUDA_VISIBLE_DEVICES), where
                      onnxruntime runs the model`;

/**
 * --gpu, its syntax checked before anything is opened; absent: the environment's
 * CUDA_VISIBLE_DEVICES (`one`, a benchmark: its first board, CUDA's device 0).
 */
export function gpuOption(value: string | undefined, one = false): GpuRequest {
  try {
    const request = gpuRequest(value, '--gpu');
    // A benchmark's model runs on CUDA's device 0 unless --gpu says otherwise: only its board is metered.
    if (one && request.from === 'env') return { ...request, firstOnly: true };
    if (one && (request.from !== 'list' || request.ids.length !== 1))
      throw new UsageError(
        `a benchmark runs on one GPU: --gpu takes one NVML index or UUID, not '${value}'. Without --gpu, the model runs on CUDA's device 0, and that board is metered.`,
      );
    return request;
  } catch (e) {
    if (e instanceof GpuSelectionError) throw new UsageError(e.message);
    throw e;
  }
}
