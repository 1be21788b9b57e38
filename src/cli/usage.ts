/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}

export const MAIN_HELP = `carbonlens ${CARBONLENS_VERSION}: energy and CO2 of ML models on this machine

Usage: carbonlens <command> [options]

Commands:
  info [--json]    the machine's CPU, GPUs and memory, and which power sources are readable
  monitor          live power per source, then the energy of the run (measured/sampled/estimated)

Options:
  -h, --help       show help (also after a command)
  -v, --version    print the version
`;
