// CarbonLens: Set Location or Region. Typed text searches countries, regions of a country and
// cloud regions together (the kind shown beside each); an unknown place is refused with what to
// try; the choice is confirmed. Saved to the user's carbonlens.location, which the CLI's --place
// resolves through the same code.
import { intensityText } from '../core/units';
import * as vscode from 'vscode';
import { sourceName } from '../core/citations';
import { dataset } from '../core/carbon/datasets';
import { parseCoordinates, resolvePlace, type IntensityFigure } from '../core/carbon/intensity';
import { searchPlaces } from '../core/carbon/placeSearch';
import type { CarbonLensConfig } from './config';

type Item = vscode.QuickPickItem & { value?: string };

const HINT =
  'Try the country (France or FR), a US state, Canadian province or Nordic zone, a cloud region id, or latitude,longitude (live intensity).';

const describeFigure = (f: IntensityFigure) => `${intensityText(f.gco2PerKwh)} (${sourceName(f.source, f.year)})`;

function cloudRegions(config: CarbonLensConfig): Item[] {
  const items: Item[] = [];
  let provider = '';
  for (const r of [...dataset(config.dataset).regions()].sort(
    (a, b) => a.provider.localeCompare(b.provider) || a.gco2PerKwh - b.gco2PerKwh,
  )) {
    if (r.provider !== provider) {
      provider = r.provider;
      items.push({ label: provider.toUpperCase(), kind: vscode.QuickPickItemKind.Separator });
    }
    items.push({
      label: r.region,
      description: `${intensityText(r.gco2PerKwh)} · ${r.location}`,
      value: `${r.provider} ${r.region}`,
    });
  }
  return items;
}

function typedItems(text: string, config: CarbonLensConfig): Item[] {
  const v = text.trim();
  if (parseCoordinates(v)) return [{ label: v, description: 'coordinates: live intensity only', value: v }];
  const found = searchPlaces(v, { dataset: config.dataset });
  if (found.length === 0) return [{ label: `$(error) No place named '${v}'`, detail: HINT, alwaysShow: true }];
  // Figures of one place from several years come newest first; the source's short name and year say which is which.
  return found.map((c) => ({
    label: c.label,
    description: `${c.kind}${c.within ? ` in ${c.within}` : ''} · ${intensityText(c.figure.gco2PerKwh)}`,
    detail: sourceName(c.figure.source, c.figure.year),
    value: c.value,
    alwaysShow: true,
  }));
}

async function pickLocation(config: CarbonLensConfig): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'CarbonLens: where does this machine draw its electricity?';
  qp.placeholder = 'A country, a state or province, a cloud region, or latitude,longitude';
  // The walkthrough takes focus back when a picker opens over it: keep the picker until Escape.
  qp.ignoreFocusOut = true;
  const regions = cloudRegions(config);
  qp.items = regions;
  qp.onDidChangeValue((v) => {
    qp.items = v.trim() ? typedItems(v, config) : regions;
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => {
        const value = qp.selectedItems[0]?.value;
        if (value) resolve(value); // the "no place" row has no value: the picker stays open
      });
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}

export async function setLocationCommand(config: CarbonLensConfig, value?: string): Promise<string | undefined> {
  const location = (value ?? (await pickLocation(config)))?.trim();
  if (location === undefined) return undefined;
  let figure: IntensityFigure | undefined;
  if (!parseCoordinates(location)) {
    try {
      figure = resolvePlace(location, { dataset: config.dataset });
    } catch (e) {
      void vscode.window.showErrorMessage(`CarbonLens: ${(e as Error).message}`);
      return undefined;
    }
  }
  await vscode.workspace.getConfiguration('carbonlens').update('location', location, vscode.ConfigurationTarget.Global);
  if (value === undefined)
    void vscode.window.showInformationMessage(
      figure
        ? `CarbonLens: location set to ${figure.region ? `${figure.provider} ${figure.region} (${figure.location})` : figure.location}: ${describeFigure(figure)}.`
        : `CarbonLens: location set to ${location}; coordinates need live intensity (Electricity Maps).`,
    );
  return location;
}
