/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}

export const MAIN_HELP = `carbonlens ${CARBONLENS_VERSION}: energy and CO2 of ML models on this machine

Usage: carbonlens <command> [options]

Commands:
  info [--json]    the machine's CPU, GPUs and memory, and which power sources are readable
  monitor          live power per source, then the energy of the run (measured/sampled/estimated)
  estimate         energy -> gCO2e at a region, place, country or intensity (dataset or live)
  regions          cloud regions ranked by grid intensity, with savings against a reference
  bench            run a model on an evaluation set: quality and energy per item, saved as CSV
  compare          two models on the same items: is the smaller as good, and what it saves
  scan             model ids and cloud regions in configs and code: smaller models, greener regions
  cuda-provider    status or install of onnxruntime's CUDA provider (Linux x64, CUDA 12)

Options:
  -h, --help       show help (also after a command)
  -v, --version    print the version
`;

/** A numeric option, checked: `--pue 0.8` is a usage error, not a silent NaN. */
export function numberOption(flag: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min)
    throw new UsageError(`${flag} must be a number >= ${min}, not '${value}'.`);
  return n;
}
