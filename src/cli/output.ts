// The command line's own stdout and stderr, one line per call. stdout is made on first use:
// `run` writes nothing to it, and making the stream is a millisecond or more of its start.
export type Print = (text: string) => void;

let stdoutMade = false;

export const stdout: Print = (text) => {
  if (!stdoutMade) {
    stdoutMade = true;
    // `carbonlens regions | head`: a reader that stops early is not an error.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  process.stdout.write(`${text}\n`);
};

export const stderr: Print = (text) => void process.stderr.write(`${text}\n`);

/**
 * Resolves once everything written to stderr, and to stdout where it was used, has left this
 * process (writes to a pipe are asynchronous on macOS): only then may it exit at once.
 */
export function flushed(): Promise<void> {
  const streams = stdoutMade ? [process.stdout, process.stderr] : [process.stderr];
  return Promise.all(streams.map((s) => new Promise<void>((done) => s.write('', () => done())))).then(() => {});
}
