/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}

/** The action of a command that installs something (`cuda-provider`, `llama`): status (the default) or install. */
export function statusOrInstall(positionals: string[]): 'status' | 'install' {
  const action = positionals[0] ?? 'status';
  if (positionals.length > 1 || (action !== 'status' && action !== 'install'))
    throw new UsageError(`expected 'status' or 'install', not '${positionals.join(' ')}'.`);
  return action;
}

export const MAIN_HELP = `carbonlens ${CARBONLENS_VERSION}: energy and CO2 of ML models on this machine

Usage: carbonlens <command> [options]

Commands:
  info [--json]    the machine's CPU, GPUs and memory, and which power sources are readable
  monitor          live power per source, then the energy of the run (measured/sampled/estimated)
  estimate         energy -> gCO2e at a region, place, country or intensity (dataset or live)
  regions          cloud regions ranked by grid intensity, with savings against a reference
  forecast         the grid's intensity ahead and the cleanest window for a job (UK API, Electricity Maps)
  bench            run a model on an evaluation set: quality and energy per item, saved as CSV
  compare          two models on the same items: is the smaller as good, and what it saves
  scan             model ids and cloud regions in configs and code: smaller models, greener regions
  run -- CMD       run a command and meter it, as \`time\` does: energy, CO2e, budgets for CI
  cuda-provider    status or install of onnxruntime's CUDA provider (Linux x64, CUDA 12 or 13)
  llama            status or install of llama.cpp's build for GGUF models (CPU, CUDA, Vulkan, Metal)
  devices          the devices a benchmark can run on here, and why the others cannot

Options:
  -h, --help       show help (also after a command)
  -v, --version    print the version

Exit codes:
  0    done
  1    the run failed: a model that does not load, a network or disk error
  2    the command line is wrong: an unknown command, option or task, a malformed number, or a
       model, dataset or place that does not exist
  3    a result the command was asked to flag: compare's candidate is worse, scan --fail-on found
       something
  130  cancelled (Ctrl-C)
`;

/** Plain decimal notation (`12`, `-0.5`, `1e3`): not `0x10`, `0b1`, `Infinity` or ''. */
export const isDecimal = (value: string) => /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim());

/** Where a numeric option's value may lie: from `min` to `max`, a whole number when `whole`. */
export interface NumberRange {
  min?: number;
  max?: number;
  whole?: boolean;
}

/**
 * Sane bounds for options that reach timers, loops and figures: past them a value is a typo or
 * an attack (1e308 ms overflows a timer into 1 ms sampling, 1e308 repeats never end).
 */
export const RANGES = {
  intervalMs: { min: 10, max: 3_600_000, whole: true },
  idleMs: { min: 0, max: 3_600_000, whole: true },
  repeats: { min: 1, max: 1000, whole: true },
  /** A data centre's PUE is about 1.1 to 2; 5 is past any published one. */
  pue: { min: 1, max: 5 },
  /** gCO2e/kWh: the dirtiest grids are about 1,000; coal plants 1,100. */
  intensity: { min: 0, max: 5000 },
  durationS: { min: 0, max: 7 * 24 * 3600 },
} satisfies Record<string, NumberRange>;

/**
 * The one parser of numeric options: plain decimal (`--pue 0x10` and `Infinity` are usage
 * errors, not silent numbers), finite, within its range (`min` alone: a number >= min).
 */
export function numberOption(
  flag: string,
  value: string | undefined,
  range: number | NumberRange = 0,
): number | undefined {
  if (value === undefined) return undefined;
  const { min = 0, max = Number.POSITIVE_INFINITY, whole = false } = typeof range === 'number' ? { min: range } : range;
  const n = Number(value);
  if (!isDecimal(value) || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    const kind = whole ? 'a whole number' : 'a number';
    const where = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max.toLocaleString('en-US')}`;
    throw new UsageError(`${flag} must be ${kind} ${where}, not '${value}'.`);
  }
  return n;
}

/**
 * `--samples -1` reads as the value -1, as a person means it (node's parser calls it ambiguous):
 * a negative number after an option that takes a value is joined to it, `--samples=-1`.
 */
export function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (/^--[a-z][\w-]*$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
