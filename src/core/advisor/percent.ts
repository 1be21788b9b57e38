// A saving as people read it: whole percents, but never "100%" for what is not all of it.

/** 80.4 -> "80%", 99.62 -> "99.6%", 99.97 -> "99.9%", 100 -> "100%". */
export function percentText(p: number): string {
  if (p >= 100) return '100%';
  if (Math.round(p) >= 100) return `${(Math.floor(p * 10) / 10).toFixed(1)}%`;
  if (p > 0 && Math.round(p) === 0) return `${Math.max(p, 0.1).toFixed(1)}%`;
  return `${Math.round(p)}%`;
}
