// One way to write each quantity, everywhere a person reads it (status bar, panel, report, CLI):
// three significant figures in the unit a reader expects, µg not 0.00000560 g.

const sig3 = (x: number) =>
  Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3)));

/** 1.23 kg, 4.56 g, 789 mg, 12.3 µg. */
export function gramsText(g: number): string {
  if (!Number.isFinite(g)) return '-';
  const a = Math.abs(g);
  if (a === 0) return '0 g';
  if (a >= 1000) return `${sig3(g / 1000)} kg`;
  if (a >= 1) return `${sig3(g)} g`;
  if (a >= 1e-3) return `${sig3(g * 1e3)} mg`;
  return `${sig3(g * 1e6)} µg`;
}

/** 322 gCO2e/kWh (not 322.167), 29.4, 4.56. */
export function intensityText(gPerKwh: number): string {
  return `${sig3(gPerKwh)} gCO2e/kWh`;
}

/** 12.3 J, 456 mJ; 0 mJ below a nanojoule (idle subtracted from an equal constant estimate). */
export function joulesText(j: number): string {
  if (!Number.isFinite(j)) return '-';
  const a = Math.abs(j);
  if (a < 1e-9) return '0 mJ';
  if (a >= 3.6e6) return `${sig3(j / 3.6e6)} kWh`;
  if (a >= 1e4) return `${sig3(j / 3600)} Wh`;
  if (a >= 1) return `${sig3(j)} J`;
  return `${sig3(j * 1000)} mJ`;
}
