// Typed text -> the places it may mean: countries, regions of a country (US states, Canadian
// provinces, Nordic zones) and cloud regions together, each with its kind and the exact text that
// `resolvePlace` turns into that figure alone. A country or state lists the cloud regions in it
// after itself; figures of one place from several years come newest first. The Set Location
// picker lists these; the CLI's errors suggest them.
import { dataset, type CloudRegionRow } from './datasets';
import { type IntensityFigure, type LookupOptions, countryCode, normalisePlace, resolvePlace } from './intensity';
import { ISO_ALPHA2_TO_ALPHA3 } from '../../generated/intensityTables';
import { regionState } from './regionStates';

export type PlaceKind = 'country' | 'region of a country' | 'cloud region';

export interface PlaceChoice {
  kind: PlaceKind;
  /** What a person reads: "France", "Texas (TX), USA", "aws eu-west-3 (EU (Paris))". */
  label: string;
  /** What to save or pass (carbonlens.location, --place): resolves to `figure` alone. */
  value: string;
  figure: IntensityFigure;
  /** For a cloud region listed under the country or state typed: that place's name. */
  within?: string;
}

const ALPHA2_BY_ALPHA3 = Object.fromEntries(Object.entries(ISO_ALPHA2_TO_ALPHA3).map(([a2, a3]) => [a3, a2]));

/** How well a name matches the query: 0 it is the name or one of its words, 1 a word starts so, 2 contains it; undefined: no match. */
function score(name: string, q: string): number | undefined {
  const n = normalisePlace(name);
  if (n === q) return 0;
  if (n.split(/[\s,()/-]+/).some((w) => w === q)) return 0;
  if (q.length >= 2 && (n.startsWith(q) || n.split(/[\s,()/-]+/).some((w) => w.startsWith(q)))) return 1;
  if (q.length >= 3 && n.includes(q)) return 2;
  return undefined;
}

/** Up to `limit` places for `text`, best first; an empty list when nothing matches. */
export function searchPlaces(text: string, options: LookupOptions = {}, limit = 30): PlaceChoice[] {
  const q = normalisePlace(text);
  if (!q) return [];
  const name = options.dataset ?? 'latest';
  const ds = dataset(name);
  // tier: how well it matches (0 best); a cloud region listed under a matching country or state
  // comes half a tier after it. Within a tier the newest figure comes first.
  const found: (PlaceChoice & { tier: number; order: number })[] = [];
  const add = (tier: number, order: number, choice: Omit<PlaceChoice, 'figure'>) => {
    const seen = found.find((f) => f.value === choice.value);
    if (seen) {
      // found again, better: a direct match is not "within" anything
      if (tier < seen.tier) {
        seen.tier = tier;
        if (choice.within) seen.within = choice.within;
        else delete seen.within;
      }
      return;
    }
    try {
      found.push({ ...choice, figure: resolvePlace(choice.value, options), tier, order });
    } catch {
      // a value that does not resolve alone is never offered
    }
  };
  const regions = ds.regions().filter((r) => !options.provider || r.provider === options.provider);
  const cloud = (r: CloudRegionRow, tier: number, within?: string) =>
    add(tier, 2, {
      kind: 'cloud region',
      label: `${r.provider} ${r.region}${r.location ? ` (${r.location})` : ''}`,
      value: `${r.provider} ${r.region}`,
      ...(within && { within }),
    });
  const country = (iso3: string, tier: number, withRegions: boolean) => {
    const row = ds.countries().find((c) => c.iso3 === iso3);
    if (row) add(tier, 0, { kind: 'country', label: row.name, value: ALPHA2_BY_ALPHA3[iso3] ?? iso3 });
    if (withRegions)
      for (const r of regions.filter((r) => r.countryIso3 === iso3)) cloud(r, tier + 0.5, row?.name ?? iso3);
  };
  const code = /^[a-z]{2,3}$/.test(q) ? countryCode(q) : undefined;
  if (code) country(code, 0, true);
  for (const c of ds.countries()) {
    const s = score(c.name, q);
    if (s !== undefined) country(c.iso3, s, s === 0);
  }
  for (const r of ds.subnational()) {
    const s = score(r.region, q);
    if (s === undefined) continue;
    add(s, 1, {
      kind: 'region of a country',
      label: `${r.region}, ${r.countryIso3}`,
      value: `${r.region}, ${r.countryIso3}`,
    });
    if (s === 0)
      for (const c of regions)
        if (c.countryIso3 === r.countryIso3 && regionState(c.provider, c.region) === r.region)
          cloud(c, s + 0.5, r.region);
  }
  for (const r of regions) {
    const byId = r.region === q ? 0 : r.region.startsWith(q) ? 1 : undefined;
    const byPlace = r.location ? score(r.location, q) : undefined;
    const s = Math.min(byId ?? 9, byPlace ?? 9);
    if (s === 9) continue;
    cloud(r, s);
    // A city's cloud region: its country's grid is what a machine there draws from too.
    if (byPlace !== undefined) country(r.countryIso3, s + 0.75, false);
  }
  return found
    .sort(
      (a, b) =>
        a.tier - b.tier ||
        (b.figure.year ?? 0) - (a.figure.year ?? 0) ||
        a.order - b.order ||
        a.label.localeCompare(b.label),
    )
    .slice(0, limit)
    .map(({ tier: _tier, order: _order, ...choice }) => choice);
}
