// Region advice for a whole file: each region or zone value gets a role from its context; the
// values of one region where a workload runs move together (the region, its zones, zone lists
// and region-bearing paths such as `regions/us-central1/subnetworks/...`) in one edit, a zone to
// a zone of the new region that offers the accelerators the config names; or there is no fix.
// Values that get no advice get a note saying why (a hover).
import { intensityText } from '../units';
import { zoneToRegion } from '../carbon/intensity';
import type { HclUse } from './scanners/hcl';
import { percentText } from './percent';
import { acceleratorLabel, acceleratorsIn } from './regionData';
import { pythonCallRole, regionRole, type RegionCandidate, type RegionContext, type RoleVerdict } from './roles';
import { chooseRegion, regionRow, type AdvisorOptions, type RegionSuggestion } from './suggest';

export interface TextEdit {
  /** Offsets into the file's text. */
  start: number;
  end: number;
  newText: string;
}

export interface RegionFinding {
  candidate: RegionCandidate;
  /** Offsets of the value the finding sits on (a part of a comma-separated value). */
  start: number;
  end: number;
  value: string;
  suggestion: RegionSuggestion;
  message: string;
  /** Every edit of the fix, this value's included; empty when there is no fix (`noFix` says why). */
  edits: TextEdit[];
  noFix?: string;
}

export interface RegionNote {
  value: string;
  key: string;
  start: number;
  end: number;
  message: string;
}

/** What the rest of a Terraform module says: where its variables and locals are used, whether it runs work. */
export interface ModuleFacts {
  uses: HclUse[];
  hasWorkload: boolean;
  /** The module's other files, for the accelerators and regions they name. */
  texts: string[];
  names: string[];
}

interface Part {
  candidate: RegionCandidate;
  value: string;
  start: number;
  end: number;
  region: string;
  provider: string;
  isZone: boolean;
  verdict: RoleVerdict;
}

const place = (location: string, country: string) =>
  !location || location === country ? country : location.includes(country) ? location : `${location}, ${country}`;

export function regionMessage(value: string, s: RegionSuggestion, moved = 1): string {
  const years =
    s.from.year && s.to.year && s.from.year !== s.to.year ? ` (figures of ${s.from.year} and ${s.to.year})` : '';
  const abroad =
    s.countries.from !== s.countries.to
      ? ` ${s.to.region} is in ${s.countries.to}, not ${s.countries.from}: check that the workload and its data may move there.`
      : '';
  const acc = s.accelerators?.length
    ? ` It offers ${s.accelerators.map(acceleratorLabel).join(' and ')}${s.zones ? ` (${s.zones.join(', ')})` : ''}.`
    : '';
  const together = moved > 1 ? ` The fix moves the ${moved} values of ${s.from.region} in this file together.` : '';
  return `${s.replacement} (${place(s.to.location, s.countries.to)}, ${intensityText(s.to.gco2PerKwh)}) emits ${percentText(s.savingPercent)} less than ${value} (${place(s.from.location, s.countries.from)}, ${intensityText(s.from.gco2PerKwh)}) for the same energy${years}.${abroad}${acc}${together}`;
}

/** `us-central1-b,us-central1-c` or `us-central1-b us-central1-c`: each part with its offsets. */
function split(c: RegionCandidate): { value: string; start: number; end: number }[] {
  if (!/[,\s]/.test(c.value)) return [{ value: c.value, start: c.start, end: c.end }];
  const out: { value: string; start: number; end: number }[] = [];
  for (const m of c.value.matchAll(/[^,\s]+/g))
    out.push({ value: m[0], start: c.start + m.index!, end: c.start + m.index! + m[0].length });
  // Offsets hold only where the text has the value verbatim (not a JSON string with escapes).
  return c.end - c.start === c.value.length ? out : [];
}

/**
 * Where `var.x` or `local.x` is used; a use inside `locals` (`locals { rg = { location = var.x } }`)
 * stands for the uses of that local (`local.rg.location` in a cluster), two levels deep.
 */
function usesOf(ref: string, module: ModuleFacts, depth = 0): HclUse[] {
  const out: HclUse[] = [];
  for (const u of module.uses) {
    if (u.ref !== ref) continue;
    const path = u.context.path;
    if (path[0] === 'locals' && depth < 2) {
      const local = path[1] ?? u.key;
      const through = usesOf(`local.${local}`, module, depth + 1);
      if (through.length) {
        out.push(...through);
        continue;
      }
    }
    out.push({ ...u, context: { ...u.context, moduleHasWorkload: module.hasWorkload } });
  }
  return out;
}

/**
 * The boolean variables a module run with this file would see: the defaults of the module's
 * `variable` blocks, and a tfvars file's own values over them.
 */
function booleans(text: string, fileName: string, module: ModuleFacts): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const t of [text, ...module.texts])
    for (const m of t.matchAll(/variable\s+"([\w-]+)"\s*\{[^{}]*?\bdefault\s*=\s*(true|false)\b/g))
      out.set(m[1], m[2] === 'true');
  if (/\.tfvars$/i.test(fileName))
    for (const m of text.matchAll(/^\s*([\w-]+)\s*=\s*(true|false)\b/gm)) out.set(m[1], m[2] === 'true');
  return out;
}

/** Whether a block with `count = var.x ? 0 : 1` (or `!var.x ? 1 : 0`) is left out under these values. */
function leftOut(count: string | undefined, values: Map<string, boolean>): boolean {
  const m = count && /^(!?)\s*var\.([\w-]+)\s*\?\s*(\d+)\s*:\s*(\d+)$/.exec(count);
  if (!m) return false;
  const value = values.get(m[2]);
  if (value === undefined) return false;
  return Number(value !== (m[1] === '!') ? m[3] : m[4]) === 0;
}

/**
 * The text without the pools a switch turns off: `enable_tpu = false` leaves `tpu_pools = [...]`
 * out, so the accelerators it names do not hold the workload where they are offered.
 */
function withoutDisabled(text: string): string {
  const off = [...text.matchAll(/^\s*enable_([a-z0-9]+)\s*=\s*false\b/gm)].map((m) => m[1]);
  if (off.length === 0) return text;
  let out = text;
  for (const name of off) {
    const start = new RegExp(`^\\s*${name}_\\w*\\s*=\\s*[\\[{]`, 'm').exec(out);
    if (!start) continue;
    let depth = 0;
    let end = out.length;
    for (let i = start.index + start[0].length - 1; i < out.length; i++) {
      const c = out[i];
      if (c === '[' || c === '{') depth++;
      else if ((c === ']' || c === '}') && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    out = out.slice(0, start.index) + out.slice(end);
  }
  return out;
}

/** A variable's value where this file runs the module: a tfvars file's own, else its default. */
function variableValue(name: string, text: string, fileName: string, module: ModuleFacts): string | undefined {
  const esc = name.replace(/[^\w-]/g, '');
  if (/\.tfvars$/i.test(fileName)) {
    const own = new RegExp(`^\\s*${esc}\\s*=\\s*"([^"]*)"`, 'm').exec(text)?.[1];
    if (own !== undefined) return own;
  }
  const def = new RegExp(`variable\\s+"${esc}"\\s*\\{[^{}]*?\\bdefault\\s*=\\s*"([^"]*)"`);
  for (const t of [text, ...module.texts]) {
    const v = def.exec(t)?.[1];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Existing resources the module reads through another variable (`data "google_compute_subnetwork"
 * { region = var.subnetwork_region }`, the data source in force): a workload of that region is
 * bound to them, wherever the variable's value is written.
 */
function moduleAnchors(
  text: string,
  fileName: string,
  module: ModuleFacts | undefined,
  dataset: AdvisorOptions['dataset'],
): { region: string; why: string }[] {
  if (!module) return [];
  const values = booleans(text, fileName, module);
  const out: { region: string; why: string }[] = [];
  for (const u of module.uses) {
    if (!u.ref.startsWith('var.') || !u.context.path[0]?.startsWith('data ') || leftOut(u.context.block?.count, values))
      continue;
    const verdict = regionRole(u.key, u.context, text);
    if (!verdict.anchors) continue;
    const name = u.ref.slice(4);
    const value = variableValue(name, text, fileName, module);
    const row = value ? regionRow(value, dataset) : undefined;
    if (row) out.push({ region: row.region, why: `${u.context.path[0]} reads it in ${value} (var.${name})` });
  }
  return out;
}

function roleOf(c: RegionCandidate, text: string, fileName: string, module?: ModuleFacts): RoleVerdict {
  if (/\.pyi?$/i.test(fileName)) {
    const byCall = pythonCallRole(text, c.start);
    if (byCall) return byCall;
  }
  let context: RegionContext | undefined = c.context;
  if (module && context) {
    const path = context.path;
    const variable = /^variable (\S+)$/.exec(path[path.length - 1] ?? '')?.[1];
    const local = path.length === 1 && path[0] === 'locals' ? c.key : undefined;
    const tfvar = /\.tfvars(\.json)?$/i.test(fileName) && path.length === 0 ? c.key : undefined;
    const ref = variable ? `var.${variable}` : local ? `local.${local}` : tfvar ? `var.${tfvar}` : undefined;
    if (ref) {
      // A data source that exists only when the module creates nothing (`count = var.create_network
      // ? 0 : 1`) is no use of the variable where the values in force create it.
      const values = booleans(text, fileName, module);
      context = { ...context, uses: usesOf(ref, module).filter((u) => !leftOut(u.context.block?.count, values)) };
    } else context = { ...context, moduleHasWorkload: module.hasWorkload };
  }
  return regionRole(c.key, context, text);
}

const lineOf = (text: string, offset: number) => {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

/** Each region or zone the candidates name, with its region, provider and the role of its place in the config. */
function regionParts(
  candidates: readonly RegionCandidate[],
  text: string,
  fileName: string,
  options: AdvisorOptions,
  module?: ModuleFacts,
): Part[] {
  const parts: Part[] = [];
  for (const c of candidates) {
    const verdict = roleOf(c, text, fileName, module);
    for (const p of split(c)) {
      const row = regionRow(p.value, options.dataset);
      if (!row) continue;
      const id = p.value.toLowerCase();
      const isZone = row.region !== id;
      // `us-east-1a` is a zone; `us-east-1-foo` is not a place.
      if (isZone && zoneToRegion(id) !== row.region) continue;
      parts.push({ candidate: c, ...p, region: row.region, provider: row.provider, isZone, verdict });
    }
  }
  return parts;
}

/** The workloads' (and unknown roles') parts by provider and region: each group moves together. */
function regionGroups(parts: Part[]): Map<string, Part[]> {
  const groups = new Map<string, Part[]>();
  for (const p of parts) {
    if (p.verdict.role !== 'workload' && p.verdict.role !== 'unknown') continue;
    const key = `${p.provider} ${p.region}`;
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  return groups;
}

/** The fix's edits: each part, and the paths that name the region or a zone; a zone it cannot move, if any. */
function regionEdits(
  text: string,
  group: Part[],
  s: RegionSuggestion,
  zoneMap: Map<string, string>,
): { edits: TextEdit[]; unknownZone?: string } {
  const edits: TextEdit[] = group.map((p) => ({
    start: p.start,
    end: p.end,
    newText: p.isZone ? zoneMap.get(p.value.toLowerCase())! : s.replacement,
  }));
  // Paths that name the region or a zone: `regions/us-central1/subnetworks/x`, `zones/us-central1-a/...`.
  const path = new RegExp(`\\b(regions|zones|locations)/(${s.from.region}(?:-[a-z])?)(?=[/"'\\s,]|$)`, 'g');
  let unknownZone: string | undefined;
  for (const m of text.matchAll(path)) {
    const start = m.index! + m[1].length + 1;
    const end = start + m[2].length;
    if (edits.some((e) => e.start <= start && end <= e.end)) continue;
    const isZone = m[2] !== s.from.region;
    const newText = isZone ? zoneMap.get(m[2]) : s.replacement;
    if (!newText) unknownZone = m[2];
    else edits.push({ start, end, newText });
  }
  edits.sort((a, b) => a.start - b.start);
  return { edits, ...(unknownZone && { unknownZone }) };
}

/** Why the move has no quick fix (zones, a merge, a path, other files of the module); undefined when it has one. */
function noFixReason(
  s: RegionSuggestion,
  text: string,
  module: ModuleFacts | undefined,
  regionsHere: Set<string>,
  unknownZone: string | undefined,
): string | undefined {
  const mentions = new RegExp(`\\b${s.from.region}(-[a-z])?\\b`);
  const elsewhere = (module?.texts ?? []).flatMap((t, i) => (mentions.test(t) ? [module!.names[i]!] : []));
  // Azure zones are numbers ("1", "2", "3"), and not every Azure region has them.
  const azureZones =
    s.provider === 'azure' &&
    [text, ...(module?.texts ?? [])].some((t) => /zones["']?\s*[=:]\s*\[\s*["']?[123]["']?\s*[,\]]/i.test(t));
  if (azureZones)
    return `the config pins Azure availability zones, and CarbonLens does not know whether ${s.to.region} has them, so there is no quick fix`;
  if (regionsHere.has(s.to.region))
    return `${s.to.region} is already used in this file: moving ${s.from.region} there would merge two places, so there is no quick fix`;
  if (unknownZone) return `the path with ${unknownZone} names a zone the fix would not move, so there is no quick fix`;
  if (elsewhere.length)
    return `${elsewhere.map((n) => n.split(/[\\/]/).pop()).join(', ')} in this module also name ${s.from.region}, and one edit of this file cannot move them, so there is no quick fix`;
  return undefined;
}

export function adviseRegionCandidates(
  candidates: readonly RegionCandidate[],
  text: string,
  fileName: string,
  options: AdvisorOptions,
  module?: ModuleFacts,
): { findings: RegionFinding[]; notes: RegionNote[] } {
  const findings: RegionFinding[] = [];
  const notes: RegionNote[] = [];
  const parts = regionParts(candidates, text, fileName, options, module);
  const note = (p: Part, message: string) =>
    notes.push({ value: p.value, key: p.candidate.key, start: p.start, end: p.end, message });
  const worked = new Set(parts.filter((p) => p.verdict.role === 'workload').map((p) => p.region));
  for (const p of parts) {
    if (p.verdict.role === 'static' || p.verdict.role === 'metadata')
      note(p, `No region advice for ${p.value}: ${p.verdict.why}.`);
    else if (p.verdict.role === 'unknown' && !worked.has(p.region))
      note(p, `No region advice for ${p.value}: ${p.verdict.why}.`);
  }
  const groups = regionGroups(parts);
  // The module's text, joined only when a workload's region is advised on: its accelerators are searched for.
  let allText: string | undefined;
  let anchors: { region: string; why: string }[] | undefined;
  // Regions the workloads of this file already use: moving another there would merge two places.
  const regionsHere = new Set(
    parts.filter((p) => p.verdict.role === 'workload' || p.verdict.role === 'unknown').map((p) => p.region),
  );
  for (const group of groups.values()) {
    if (!group.some((p) => p.verdict.role === 'workload')) continue;
    const zones = [...new Set(group.filter((p) => p.isZone).map((p) => p.value.toLowerCase()))];
    // A data source or network of the same region that stays: the workload cannot move alone.
    const anchor = parts.find((p) => p.region === group[0].region && p.verdict.anchors);
    const bound = anchor ? undefined : (anchors ??= moduleAnchors(text, fileName, module, options.dataset));
    const boundTo = bound?.find((a) => a.region === group[0].region);
    if (boundTo) {
      for (const p of group)
        if (p.verdict.role === 'workload')
          note(
            p,
            `No region advice for ${p.value}: an existing resource of the module stays (${boundTo.why}), and the workload cannot move without it.`,
          );
      continue;
    }
    if (anchor) {
      for (const p of group)
        if (p.verdict.role === 'workload')
          note(
            p,
            `No region advice for ${p.value}: ${anchor.value} on line ${lineOf(text, anchor.start)} stays (${anchor.verdict.why}), and the workload cannot move without it.`,
          );
      continue;
    }
    allText ??= [withoutDisabled(text), ...(module?.texts ?? []).map(withoutDisabled)].join('\n');
    const accelerators = acceleratorsIn(allText, group[0].provider);
    const choice = chooseRegion(group[0].region, options, { accelerators, zones: zones.length });
    const s = choice.suggestion;
    if (!s) {
      for (const p of group)
        if (p.verdict.role === 'workload') note(p, `No region advice for ${p.value}: ${choice.reason}.`);
      continue;
    }
    const zoneMap = new Map(zones.map((z, i) => [z, s.zones![i]!]));
    const { edits, unknownZone } = regionEdits(text, group, s, zoneMap);
    const primary =
      group.find((p) => p.verdict.role === 'workload' && !p.isZone) ??
      group.find((p) => p.verdict.role === 'workload')!;
    const suggestion: RegionSuggestion = primary.isZone
      ? { ...s, replacement: zoneMap.get(primary.value.toLowerCase())! }
      : s;
    const noFix = noFixReason(s, text, module, regionsHere, unknownZone);
    const pathsMove =
      edits.length > group.length
        ? ` Paths that name ${s.from.region} move too: what they point to (a subnetwork) must exist in ${s.to.region}.`
        : '';
    findings.push({
      candidate: primary.candidate,
      start: primary.start,
      end: primary.end,
      value: primary.value,
      suggestion,
      message: `${regionMessage(primary.value, suggestion, noFix ? 1 : edits.length)}${noFix ? '' : pathsMove}${noFix ? ` No quick fix: ${noFix.replace(/, so there is no quick fix$/, '')}.` : ''}`,
      edits: noFix ? [] : edits,
      ...(noFix && { noFix }),
    });
  }
  return { findings, notes };
}
