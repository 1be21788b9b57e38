// The range a grid's carbon intensity can have. The dirtiest grids in the world (lignite, oil
// shale) sit near 1,100-1,200 gCO2e/kWh at the plant; 2,000 leaves room for any real hour and
// refuses a source's error (a negative figure, 1e308) before it reaches a mean or a saving.

export const MAX_GCO2_PER_KWH = 2000;

export const isPhysicalIntensity = (g: unknown): g is number =>
  typeof g === 'number' && Number.isFinite(g) && g >= 0 && g <= MAX_GCO2_PER_KWH;

/** Why `g` is no grid intensity, for a message; undefined when it is one. */
export function unphysical(g: number): string | undefined {
  if (isPhysicalIntensity(g)) return undefined;
  return `${g} gCO2e/kWh is not a grid intensity (0 to ${MAX_GCO2_PER_KWH.toLocaleString('en-US')})`;
}
