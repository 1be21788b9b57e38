// The clocks of performance.now() and performance.timeOrigin + performance.now(), read through
// process.hrtime: the first use of `performance` loads node:perf_hooks, 2 ms of every
// `carbonlens run`'s start. Both read libuv's monotonic clock, in milliseconds to the microsecond;
// the second from the wall clock when this module loaded, as timeOrigin is the process's start.

/** Milliseconds on the monotonic clock (from an arbitrary origin): for durations and deadlines. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The monotonic clock's reading of the Unix epoch, taken once. */
const epochOffsetMs = Date.now() - monotonicMs();

/** Milliseconds since the Unix epoch, to the microsecond, never going back. */
export function wallClockMs(): number {
  return epochOffsetMs + monotonicMs();
}
