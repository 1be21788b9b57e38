// The grid ahead (live intensity on): the forecast's intensity as a line, the cleanest window for
// a job of the length the user types shaded, and one sentence with the saving against now.
import type { Forecast } from '../src/core/carbon/forecast';
import { cleanestWindow } from '../src/core/carbon/window';
import { intensityText } from '../src/core/units';
import { el, pageState, saveState, svgNode, themeColour } from './dom';

const W = 560;
const H = 140;
const PAD = { left: 40, right: 12, top: 8, bottom: 22 };

const time = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function chart(forecast: Forecast, window: { start: number; end: number } | undefined): Node {
  const slots = forecast.slots;
  const t0 = slots[0]!.start;
  const t1 = slots[slots.length - 1]!.start + slots[slots.length - 1]!.durationMs;
  const gMax = Math.max(1, ...slots.map((s) => s.gco2PerKwh)) * 1.1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (g: number) => PAD.top + (1 - g / gMax) * (H - PAD.top - PAD.bottom);
  const fg = themeColour('--vscode-foreground', '#ccc');
  const line = themeColour('--vscode-charts-blue', '#1a85ff');
  const shade = themeColour('--vscode-charts-green', '#388a34');
  const steps = slots.map(
    (s) =>
      `${x(s.start).toFixed(1)},${y(s.gco2PerKwh).toFixed(1)} ${x(s.start + s.durationMs).toFixed(1)},${y(s.gco2PerKwh).toFixed(1)}`,
  );
  const ticks: string[] = [];
  for (let t = Math.ceil(t0 / 21_600_000) * 21_600_000; t < t1; t += 21_600_000)
    ticks.push(
      `<text x="${x(t).toFixed(1)}" y="${H - 6}" text-anchor="middle" fill="${fg}" font-size="10">${time(t)}</text>`,
    );
  const band = window
    ? `<rect x="${x(window.start).toFixed(1)}" y="${PAD.top}" width="${(x(window.end) - x(window.start)).toFixed(1)}" height="${H - PAD.top - PAD.bottom}" fill="${shade}" fill-opacity="0.25"/>`
    : '';
  return svgNode(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Grid intensity forecast"><text x="4" y="${PAD.top + 8}" fill="${fg}" font-size="10">${Math.round(gMax)}</text><text x="4" y="${H - PAD.bottom}" fill="${fg}" font-size="10">0</text>${band}<polyline fill="none" stroke="${line}" stroke-width="2" points="${steps.join(' ')}"/>${ticks.join('')}</svg>`,
  );
}

/** The forecast block of the intensity section; `note` says why there is none. */
export function forecastView(forecast: Forecast | undefined, note: string | undefined): HTMLElement {
  const section = el('div', { id: 'forecast' }, el('h3', {}, 'Ahead'));
  if (!forecast || forecast.slots.length === 0) {
    section.append(el('p', { class: 'muted' }, note ?? 'No forecast for this place.'));
    return section;
  }
  const hours = el('input', {
    type: 'number',
    min: '0.5',
    max: '24',
    step: '0.5',
    id: 'job-hours',
    'aria-label': 'Job length in hours',
  });
  hours.value = String(pageState.jobHours ?? 1);
  const picture = el('div', { class: 'forecast-chart' });
  const sentence = el('p', { id: 'forecast-window' });
  const draw = () => {
    const h = Math.min(24, Math.max(0.5, Number(hours.value) || 1));
    pageState.jobHours = h;
    saveState();
    const w = cleanestWindow(forecast.slots, h * 3_600_000, Infinity, Date.now());
    picture.replaceChildren(chart(forecast, w));
    sentence.textContent = w
      ? w.nowGco2PerKwh === undefined || w.savingPercent === undefined
        ? `Cleanest ${h} h: ${time(w.start)}–${time(w.end)}, ${intensityText(w.meanGco2PerKwh)} (the forecast does not cover a start now).`
        : `Cleanest ${h} h: ${time(w.start)}–${time(w.end)}, ${intensityText(w.meanGco2PerKwh)} against ${intensityText(w.nowGco2PerKwh)} starting now (${w.savingPercent >= 0.5 ? `−${w.savingPercent.toFixed(0)}%` : 'now is best'}).`
      : `No stretch of the forecast without a gap is ${h} h long.`;
  };
  hours.addEventListener('input', draw);
  draw();
  section.append(
    el('p', { class: 'muted' }, `${forecast.source}, issued ${time(Date.parse(forecast.issuedAt))}.`),
    // What the source left out (gaps, entries without a value): no window spans them.
    ...(forecast.notes ?? []).map((n) => el('p', { class: 'muted' }, n)),
    picture,
    el('label', {}, 'Job length (h) ', hours),
    sentence,
  );
  return section;
}
