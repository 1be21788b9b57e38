// The cleanest-window search against a brute-force peer, on 48 h of 30-minute slots for every
// duration from 30 min to 12 h (`node out/bench/windowSearch.mjs`): the time for all 24 durations,
// median of 200 runs each, and the ratio. Target: <= 5 ms for all of them.
import { cleanestWindow, type IntensitySlot } from '../src/core/carbon/window';

const HALF_HOUR = 30 * 60_000;
const t0 = Date.UTC(2026, 11, 1);
const slots: IntensitySlot[] = Array.from({ length: 96 }, (_, i) => ({
  start: t0 + i * HALF_HOUR,
  durationMs: HALF_HOUR,
  gco2PerKwh: 200 + 120 * Math.sin((i / 48) * 2 * Math.PI) + ((i * 7919) % 37),
}));
const durations = Array.from({ length: 24 }, (_, i) => (i + 1) * HALF_HOUR);

/** Every start, every slot of the window summed again: the obvious way. */
function bruteForce(d: number) {
  let best = Infinity;
  for (let i = 0; i + d / HALF_HOUR <= slots.length; i++) {
    let sum = 0;
    for (let j = i; j < i + d / HALF_HOUR; j++) sum += slots[j]!.gco2PerKwh;
    best = Math.min(best, sum / (d / HALF_HOUR));
  }
  return best;
}

function time(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 200; r++) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[100]!;
}

const ours = time(() => {
  for (const d of durations) cleanestWindow(slots, d);
});
const peer = time(() => {
  for (const d of durations) bruteForce(d);
});
for (const d of durations) {
  const a = cleanestWindow(slots, d)!.meanGco2PerKwh;
  if (Math.abs(a - bruteForce(d)) > 1e-9) throw new Error(`disagrees with brute force at ${d / 60_000} min`);
}
console.log(
  `window search, 48 h at 30 min, 24 durations: ${ours.toFixed(3)} ms (brute force ${peer.toFixed(3)} ms, ratio ${(ours / peer).toFixed(2)}); target <= 5 ms`,
);
