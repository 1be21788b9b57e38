// CarbonLens: Set Location or Region: a cloud region from the dataset (with its intensity), or
// a country, place or coordinates typed in; saved to the user's carbonlens.location.
import * as vscode from 'vscode';
import { dataset } from '../core/carbon/datasets';
import { parseCoordinates, resolvePlace } from '../core/carbon/intensity';
import type { CarbonLensConfig } from './config';

type Item = vscode.QuickPickItem & { value?: string };

export async function setLocationCommand(config: CarbonLensConfig, value?: string): Promise<string | undefined> {
  let location = value;
  if (location === undefined) {
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = 'CarbonLens: where does this machine draw its electricity?';
    qp.placeholder = 'A cloud region, a country code, a place, or latitude,longitude';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    const regions: Item[] = [];
    let provider = '';
    for (const r of [...dataset(config.dataset).regions()].sort(
      (a, b) => a.provider.localeCompare(b.provider) || a.gco2PerKwh - b.gco2PerKwh,
    )) {
      if (r.provider !== provider) {
        provider = r.provider;
        regions.push({ label: provider.toUpperCase(), kind: vscode.QuickPickItemKind.Separator });
      }
      regions.push({ label: r.region, description: `${r.gco2PerKwh} gCO2e/kWh · ${r.location}`, value: r.region });
    }
    const typed = (v: string): Item[] => {
      if (!v.trim()) return [];
      try {
        if (parseCoordinates(v))
          return [{ label: v.trim(), description: 'coordinates (live intensity only)', value: v.trim() }];
        const f = resolvePlace(v, { dataset: config.dataset });
        return [{ label: v.trim(), description: `${f.gco2PerKwh} gCO2e/kWh · ${f.location}`, value: v.trim() }];
      } catch {
        return [];
      }
    };
    qp.items = regions;
    qp.onDidChangeValue((v) => (qp.items = [...typed(v), ...regions]));
    location = await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]?.value ?? (qp.value.trim() || undefined)));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    qp.dispose();
  }
  if (location === undefined) return undefined;
  await vscode.workspace
    .getConfiguration('carbonlens')
    .update('location', location.trim(), vscode.ConfigurationTarget.Global);
  return location.trim();
}
