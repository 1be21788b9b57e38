// Run Benchmark's pickers that offer only what can work here: a model name checked as it is
// typed (and the last one per task offered first), the weights a local folder has, the devices
// this machine can run (probed by `carbonlens devices`, the others listed with the reason), and
// sample sizes no larger than the set.
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { sampleChoices, setSize } from '../core/bench/datasets/setSize';
import type { DeviceHere } from '../core/models/devicesHere';
import type { BenchRuns } from './benchRuns';
import { folderDtypes, isFolder, isGgufName, modelNameProblem } from '../core/models/modelName';
import { cachedDtypes, cachedModels } from '../core/models/offline';
import { SUGGESTED_MODELS } from '../core/models/suggestedModels';
import { modelFoldersUnder, randomWeights } from '../core/models/workspaceModels';
import { DEFAULT_SAMPLES, type Dtype, type Task } from '../core/models/tasks';

type ModelItem = vscode.QuickPickItem & { value?: string; browse?: boolean };

export const modelKey = (task: Task) => `carbonlens.model.${task}`;

/** The workspace's folders, where model folders are looked for (two levels down). */
export const workspaceRoots = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

/** The model last benchmarked for a task, remembered in globalState. */
export const rememberModel = (memento: vscode.Memento, task: Task, model: string) =>
  memento.update(modelKey(task), model);

/** The typed row: the name as typed when it can name a model, else why not (accepting it does nothing). */
export function typedModelItem(text: string): ModelItem {
  const problem = modelNameProblem(text);
  return problem
    ? { label: `$(error) ${problem}`, alwaysShow: true }
    : { label: text.trim(), description: 'typed', value: text.trim(), alwaysShow: true };
}

/** The last model used for the task, suggested ONNX models, a folder on disk, or a hub id typed in (checked as typed). */
export async function pickModel(
  task: Task,
  title: string,
  memento: vscode.Memento,
  offline?: string,
  hubCache?: string,
): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<ModelItem>();
  qp.title = offline ? `${title} Offline (${offline}): what runs without the hub comes first` : title;
  qp.placeholder =
    task === 'text-generation'
      ? 'A Hugging Face model id with ONNX weights, a local folder, a .gguf file or ollama:NAME:TAG'
      : 'A Hugging Face model id with ONNX weights (organisation/name), or a local folder';
  qp.ignoreFocusOut = true;
  const last = memento.get<string>(modelKey(task));
  const cached = new Set(hubCache ? cachedModels(hubCache, task) : []);
  // Works without the hub: a folder, or a model downloaded before.
  const worksOffline = (id: string) => cached.has(id) || isFolder(id) || isGgufName(id);
  const lastItem: ModelItem[] =
    last && !modelNameProblem(last) ? [{ label: `$(history) ${last}`, description: 'last used', value: last }] : [];
  // Model folders in the workspace (the demo workspace's random-weights model): they work offline.
  const inWorkspace: ModelItem[] = modelFoldersUnder(workspaceRoots(), task)
    .filter((f) => f !== last)
    .map((f) => ({
      label: `$(folder) ${basename(f)}`,
      description: `in this workspace${randomWeights(f) ? ' · random weights, a demo: its quality figures mean nothing' : ''}`,
      detail: f,
      value: f,
    }));
  const browse: ModelItem = {
    label: `$(folder-opened) Choose a local model folder${task === 'text-generation' ? ' or .gguf file' : ''}…`,
    browse: true,
  };
  const suggested: ModelItem[] = SUGGESTED_MODELS[task]
    .filter((m) => m.id !== last)
    .map((m) => ({
      label: m.id,
      description: `${m.paramsM} M params${cached.has(m.id) ? ' · downloaded' : offline ? ' · needs a download' : ''}`,
      detail: m.note,
      value: m.id,
    }));
  const downloaded: ModelItem[] = [...cached]
    .filter((id) => id !== last && !SUGGESTED_MODELS[task].some((m) => m.id === id))
    .map((id) => ({ label: id, description: 'downloaded', value: id }));
  const base: ModelItem[] = offline
    ? [
        ...lastItem.filter((i) => worksOffline(i.value!)),
        ...inWorkspace,
        ...suggested.filter((i) => cached.has(i.value!)),
        ...downloaded,
        browse,
        ...lastItem.filter((i) => !worksOffline(i.value!)),
        ...suggested.filter((i) => !cached.has(i.value!)),
      ]
    : [...lastItem, ...suggested, ...inWorkspace, ...downloaded, browse];
  qp.items = base;
  qp.onDidChangeValue((v) => {
    qp.items = v.trim() && !base.some((i) => i.value === v.trim()) ? [typedModelItem(v), ...base] : base;
  });
  const chosen = await new Promise<ModelItem | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      if (!item?.value && !item?.browse) return; // the "not a model" row keeps the picker open
      resolve(item);
      qp.hide(); // at once, as showQuickPick does: the next picker finds the widget closed
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!chosen?.browse) return chosen?.value;
  const gguf = task === 'text-generation';
  const folder = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: gguf,
    ...(gguf && { filters: { 'GGUF models': ['gguf'] } }),
    title: gguf ? 'Model folder (config.json and onnx/) or a GGUF file' : 'Model folder (config.json and onnx/)',
  });
  return folder?.[0]?.fsPath;
}

const DTYPE_DETAIL: Record<string, string> = {
  q4f16: '4-bit weights, fp16 compute: the smallest download, for GPUs (onnx/model_q4f16.onnx)',
  q4: '4-bit weights, fp32 compute: small, for CPUs (onnx/model_q4.onnx)',
  fp16: 'Half precision: half the size of fp32 (onnx/model_fp16.onnx)',
  q8: '8-bit weights (onnx/model_quantized.onnx)',
  fp32: 'Full precision: the largest download (onnx/model.onnx)',
};
const DTYPE_ORDER: Dtype[] = ['q4f16', 'q4', 'fp16', 'q8', 'fp32'];

/**
 * The weights to use. A local folder, or a model downloaded before, is read first: only the
 * weights it has are offered, and one alone is taken without asking. Another hub model offers
 * them all (the download says which it lacks).
 */
export async function pickDtype(task: Task, model: string, hubCache?: string): Promise<Dtype | undefined> {
  const have = folderDtypes(model, task) ?? (hubCache ? cachedDtypes(hubCache, task, model) : undefined);
  const offered = have?.length ? DTYPE_ORDER.filter((d) => have.includes(d)) : DTYPE_ORDER;
  if (offered.length === 1) return offered[0];
  return (
    await vscode.window.showQuickPick(
      offered.map((d) => ({ label: d, detail: DTYPE_DETAIL[d] })),
      {
        title: have?.length
          ? `CarbonLens: which weights? (the folder has ${offered.join(', ')})`
          : 'CarbonLens: which weights? (a repository that lacks them says which it has)',
        ignoreFocusOut: true,
      },
    )
  )?.label as Dtype | undefined;
}

/** The quantisations hub repositories of GGUF files most often carry, smallest first. */
const QUANT_CHOICES: { label: string; detail: string }[] = [
  { label: 'Q4_K_M', detail: '4-bit (k-quants, medium): the usual default, about a third of F16' },
  { label: 'Q5_K_M', detail: '5-bit (k-quants, medium)' },
  { label: 'Q6_K', detail: '6-bit (k-quants)' },
  { label: 'Q8_0', detail: '8-bit: about half of F16' },
  { label: 'F16', detail: 'Half precision: the largest download' },
];

/** Which quantisation of a hub repository of GGUF files: a repository that lacks it says which it has. */
export async function pickQuant(model: string): Promise<string | undefined> {
  return (
    await vscode.window.showQuickPick(QUANT_CHOICES, {
      title: `CarbonLens: which quantisation of ${model}? (a repository that lacks it says which it has)`,
      ignoreFocusOut: true,
    })
  )?.label;
}

/** `carbonlens devices --json` in a child process (WebGPU is probed there), kept ten minutes. */
export function devicesHere(
  runs: BenchRuns,
  cliPath: string,
  env: Record<string, string | undefined>,
): Promise<DeviceHere[] | undefined> {
  const kept = runs.devices;
  if (kept && kept.cliPath === cliPath && Date.now() - kept.at < 600_000) return kept.devices;
  const devices = new Promise<DeviceHere[] | undefined>((resolve) => {
    execFile(
      process.execPath,
      [cliPath, 'devices', '--json'],
      {
        env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
        timeout: 60_000,
        windowsHide: true,
      },
      (error, stdout) => {
        try {
          resolve(error ? undefined : (JSON.parse(stdout) as DeviceHere[]));
        } catch {
          resolve(undefined);
        }
      },
    );
  });
  runs.devices = { at: Date.now(), cliPath, devices };
  return devices;
}

/** Forgets the probe (after the CUDA provider was added). */
export const forgetDevices = (runs: BenchRuns) => {
  runs.devices = undefined;
};

type DeviceItem = vscode.QuickPickItem & { device?: string };

const DEVICE_DETAIL: Record<string, string> = {
  cuda: 'NVIDIA CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'The GPU through WebGPU',
  cpu: 'The CPU',
};

/** The items for the device picker: auto, the devices that can run here, then the others with why not. */
export function deviceItems(devices: DeviceHere[] | undefined): DeviceItem[] {
  const auto: DeviceItem = {
    label: 'auto',
    device: 'auto',
    detail: 'The fastest device that works here, the CPU last; the report says which ran and why others did not',
  };
  if (!devices)
    return [
      auto,
      { label: 'cpu', device: 'cpu', detail: 'The CPU' },
      { label: '$(loading~spin) Checking the other devices…', alwaysShow: true },
    ];
  const usable = devices.filter((d) => d.usable);
  const others = devices.filter((d) => !d.usable);
  return [
    auto,
    ...usable.map((d) => ({ label: d.device, device: d.device, detail: DEVICE_DETAIL[d.device] })),
    ...(others.length ? [{ label: 'Not on this machine', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...others.map((d) => ({
      label: `$(circle-slash) ${d.device}`,
      description: DEVICE_DETAIL[d.device],
      detail: d.why,
    })),
  ];
}

/** The devices this platform can have, unchecked (when the probe failed): the run says what does not work. */
function platformDevices(): DeviceHere[] {
  const win = process.platform === 'win32';
  const x64 = process.arch === 'x64';
  const devices: DeviceHere['device'][] = [
    ...((process.platform === 'linux' || win) && x64 ? (['cuda'] as const) : []),
    ...(win ? (['dml'] as const) : []),
    ...(process.platform === 'darwin' ? (['coreml'] as const) : []),
    'webgpu',
    'cpu',
  ];
  return devices.map((device) => ({ device, usable: true }));
}

/** The device: only those the probe found usable can be picked; the others say why not. */
export async function pickDevice(devices: Promise<DeviceHere[] | undefined>): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<DeviceItem>();
  qp.title = 'CarbonLens: on which device?';
  qp.ignoreFocusOut = true;
  qp.items = deviceItems(undefined);
  qp.busy = true;
  void devices.then((found) => {
    qp.busy = false;
    // Unprobed (the check failed): the platform's devices, for the run to judge. The row the
    // person is on stays the active one: new items must not move the choice.
    const active = qp.activeItems[0]?.device;
    const items = deviceItems(found ?? platformDevices());
    qp.items = items;
    const keep = items.find((i) => i.device && i.device === active);
    if (keep) qp.activeItems = [keep];
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => {
        const device = qp.selectedItems[0]?.device;
        if (!device) return; // a device left out, or the "checking" row: the picker stays open
        resolve(device);
        qp.hide();
      });
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}

/** How many items: sizes below the set's, and "all N" when the set's size is known. */
export async function pickSamples(task: Task, dataset: string | undefined): Promise<number | undefined> {
  const d = DEFAULT_SAMPLES[task];
  const size = setSize(task, dataset);
  const pick = await vscode.window.showQuickPick(
    sampleChoices(d, size).map((c) => ({
      label: c.all ? `all ${c.n}` : String(c.n),
      n: c.n,
      description: c.all
        ? 'the whole set'
        : c.n === d
          ? 'default: an interval of about +-4 points'
          : c.n < d
            ? 'quicker, wider interval'
            : 'narrower interval',
    })),
    {
      title: `CarbonLens: how many items?${size !== undefined ? ` (the set has ${size})` : ''}`,
      ignoreFocusOut: true,
    },
  );
  return pick?.n;
}
