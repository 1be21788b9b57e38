// CarbonLens: Run Benchmark and Compare Models. Quick picks for what to run (or arguments, for
// tests and keybindings), a cancellable progress notification, then the panel.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { parseCliAnswer, phaseText, type BenchEvent } from '../protocol';
import type { BenchRecord } from '../core/bench/record';
import { toArgs, type BenchRequest } from '../core/bench/request';
import { resolvePlace } from '../core/carbon/intensity';
import { isDeviceChoice, type DeviceChoice } from '../core/models/devices';
import type { DeviceHere } from '../core/models/devicesHere';
import { isDtype, TASKS, type Dtype, type Task } from '../core/models/tasks';
import { runBenchCli, type CliResult } from './benchRunner';
import { datasetCached } from '../core/models/offline';
import { RANDOM_WEIGHTS_NOTE } from '../core/models/workspaceModels';
import {
  devicesHere,
  modelKey,
  pickDevice,
  pickDtype,
  pickModel,
  pickQuant,
  pickSamples,
  rememberModel,
  workspaceRoots,
} from './benchPickers';
import { isGgufName, isGgufRepoName } from '../core/models/modelName';
import { ensureLlama } from './llamaCommand';
import { messageText } from '../core/messages';
import { hubOffline, offlineStartItems, startSamples, type StartItem } from './offlineStart';
import { showRemedy } from './remedies';
import type { BenchRuns } from './benchRuns';
import type { BenchStore } from './benchStore';
import type { CarbonLensConfig } from './config';
import { HF_TOKEN_SECRET } from './config';
import { packagePlatform } from './platform';

export interface BenchmarkArgs {
  task?: Task;
  model?: string;
  /** A second model: compare instead of bench. */
  candidate?: string;
  device?: string;
  /** Which weights: fp32 (default), fp16, q8, q4, q4f16, ... */
  dtype?: string;
  samples?: number;
  dataset?: string;
  batch?: number;
  idleMs?: number;
  /** Text to image: denoising steps, guidance, WIDTHxHEIGHT, scheduler, the CLIP scorer. */
  steps?: number;
  guidance?: number;
  size?: string;
  scheduler?: string;
  clip?: string;
  /** Text generation: the most tokens an answer may take. */
  maxNewTokens?: number;
  /** A hub repository of GGUF files: the quantisation to download (Q4_K_M, Q8_0, ...). */
  quant?: string;
}

export interface BenchDeps {
  cliPath: string;
  store: BenchStore;
  secrets: vscode.SecretStorage;
  /** Remembers the evaluation set chosen per task. */
  memento: vscode.Memento;
  config: () => CarbonLensConfig;
  log: vscode.LogOutputChannel;
  /** Called with the new records once a run is saved. */
  onSaved: (records: BenchRecord[]) => void;
  onState: (state: 'running' | 'done' | 'failed' | 'cancelled', text: string) => void;
  /** The runs in progress and their children, this activation's. */
  runs: BenchRuns;
}

const TASK_LABELS: Record<Task, string> = {
  'image-classification': 'Image classification (CIFAR-10)',
  'image-to-text': 'Image to text, OCR (rendered words)',
  summarization: 'Summarization (CNN/DailyMail)',
  'text-to-image': 'Text to image (Stable Diffusion, CLIP score)',
  'text-generation': 'Text generation, language models (short answers; J per token)',
};

/** Whether a task's default set works without the hub: built in, or already downloaded. */
const setWorksOffline = (task: Task, cache: string) => {
  const id = SETS[task].download;
  return !id || datasetCached(join(cache, 'hub'), id);
};

/**
 * The task. The list appears once the hub has answered or not (3 s at most; the picker is busy
 * meanwhile), so no row moves under the person's choice. Offline, its first line says why, and
 * the rows that run here come first (offlineStart.ts): a model on this machine on a built-in set.
 * Each task then says whether its set works here, and why not. showQuickPick closes at once on
 * Enter, before the next picker opens.
 */
async function pickTask(
  offline: Promise<string | undefined>,
  cache: string,
  memento: vscode.Memento,
  compare: boolean,
): Promise<{ task: Task; start?: { model?: string } } | undefined> {
  type Item = StartItem & { task?: Task };
  const items = offline.then((why): Item[] => {
    const tasks = TASKS.map((t) => ({
      label: TASK_LABELS[t],
      task: t,
      ...(why && {
        description: setWorksOffline(t, cache)
          ? '$(check) works offline: its set is built in or downloaded'
          : `its set needs a download, and ${why}: use your own`,
      }),
    }));
    if (!why || compare) return tasks;
    return [
      { label: `offline: ${why}; what runs here comes first`, kind: vscode.QuickPickItemKind.Separator },
      ...offlineStartItems(join(cache, 'hub'), (t) => memento.get<string>(modelKey(t)), workspaceRoots()),
      { label: 'or choose each step', kind: vscode.QuickPickItemKind.Separator },
      ...tasks,
    ];
  });
  const chosen = await vscode.window.showQuickPick<Item>(items, {
    title: 'CarbonLens: what to run?',
    ignoreFocusOut: true,
  });
  if (chosen?.start) return { task: chosen.start.task, start: { model: chosen.start.model } };
  return chosen?.task ? { task: chosen.task } : undefined;
}

/** Each task's default set, and the kind of file or folder the user's own set is. */
const SETS: Record<
  Task,
  { label: string; detail: string; own: string; folder: boolean; extensions?: string[]; download?: string }
> = {
  'image-classification': {
    download: 'uoft-cs/cifar10',
    label: 'CIFAR-10 test set (the study)',
    detail: 'uoft-cs/cifar10 from the hub, downloaded once after you agree to its size',
    own: 'A folder of images with labels.csv (file,label)…',
    folder: true,
  },
  'image-to-text': {
    label: 'Rendered words (built in)',
    detail: 'single printed words drawn on this machine, as in the study; nothing to download',
    own: 'A folder of images with labels.csv (file,label)…',
    folder: true,
  },
  summarization: {
    download: 'abisee/cnn_dailymail',
    label: 'CNN/DailyMail test set',
    detail: 'abisee/cnn_dailymail from the hub, downloaded once after you agree to its size',
    own: 'A .jsonl file of {"text", "summary"} lines…',
    folder: false,
    extensions: ['jsonl'],
  },
  'text-to-image': {
    label: "CarbonLens's 40 prompts (built in)",
    detail: 'nothing to download',
    own: 'A .txt file of prompts, one per line…',
    folder: false,
    extensions: ['txt'],
  },
  'text-generation': {
    label: "CarbonLens's 100 short-answer questions (built in)",
    detail: 'arithmetic and general knowledge, scored by exact and normalised match; nothing to download',
    own: 'A .jsonl file of {"prompt", "answer"} lines…',
    folder: false,
    extensions: ['jsonl'],
  },
};

const datasetKey = (task: Task) => `carbonlens.dataset.${task}`;

/** The evaluation set: the task's default, the one used last time, or the user's own. `{}` is the default. */
async function pickDataset(
  task: Task,
  memento: vscode.Memento,
  offline: string | undefined,
  cache: string,
): Promise<{ path?: string } | undefined> {
  const set = SETS[task];
  const last = memento.get<string>(datasetKey(task));
  type Item = vscode.QuickPickItem & { path?: string; browse?: boolean };
  // Offline, a default set that needs a download comes after the user's own, and says why.
  const blocked = offline && !setWorksOffline(task, cache);
  const standard: Item = {
    label: set.label,
    detail: set.detail,
    ...(blocked && { description: `needs a download: ${offline}` }),
  };
  const own: Item = { label: `$(folder-opened) ${set.own}`, browse: true };
  const items: Item[] = [
    ...(last && existsSync(last)
      ? [{ label: `$(history) ${basename(last)}`, description: 'last used', detail: last, path: last }]
      : []),
    ...(blocked ? [own, standard] : [standard, own]),
  ];
  const pick = await vscode.window.showQuickPick<Item>(items, {
    title: 'CarbonLens: on which evaluation set?',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  let path = pick.path;
  if (pick.browse) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectFolders: set.folder,
      canSelectFiles: !set.folder,
      ...(set.extensions && { filters: { [set.own.replace(/…$/, '')]: set.extensions } }),
      title: set.own.replace(/…$/, ''),
    });
    path = chosen?.[0]?.fsPath;
    if (!path) return undefined;
  }
  await memento.update(datasetKey(task), path);
  return path ? { path } : {};
}

/** Where the CLI keeps its cache and finds the CUDA provider: the extension's storage. */
const cliEnvBase = (deps: BenchDeps) => {
  const threads = deps.config().llamaThreads;
  return {
    CARBONLENS_CACHE: deps.store.cache,
    CARBONLENS_ORT_DIR: deps.store.ortRuntime,
    CARBONLENS_LLAMA_DIR: deps.store.llamaRuntime,
    // carbonlens.llama.threads, where set, in place of the editor's environment's.
    ...(threads > 0 && { CARBONLENS_LLAMA_THREADS: String(threads) }),
  };
};

function describe(record: BenchRecord): string {
  const s = record.result.summary;
  const q = record.result.quality.primary;
  const j = s.jPerItem >= 1 ? `${s.jPerItem.toPrecision(3)} J` : `${(s.jPerItem * 1000).toPrecision(3)} mJ`;
  const random = record.model.randomWeights ? ` (${RANDOM_WEIGHTS_NOTE})` : '';
  return `${record.model.id} on ${record.result.device}: ${j}/item (${s.kind}), ${q.metric} ${q.value.toFixed(3)}${random}, ${s.itemsPerS.toPrecision(3)} items/s`;
}

/** A local model or set inside an untrusted workspace could be anything: using it needs trust. */
function needsTrust(path: string): boolean {
  if (vscode.workspace.isTrusted || !isAbsolute(path)) return false;
  return (vscode.workspace.workspaceFolders ?? []).some((f) => !relative(f.uri.fsPath, path).startsWith('..'));
}

/** The first of `paths` that needs trust, said to the user; undefined when none does. */
function untrusted(paths: (string | undefined)[]): string | undefined {
  const path = paths.find((p): p is string => !!p && needsTrust(p));
  if (path)
    void vscode.window
      .showWarningMessage(
        `CarbonLens uses models and evaluation sets from this workspace only when you trust it (${path}).`,
        'Manage Workspace Trust',
      )
      .then((p) => p && vscode.commands.executeCommand('workbench.trust.manage'));
  return path;
}

/** What the person chose (or the caller passed): everything a run needs besides the settings. */
interface Choice {
  task: Task;
  model: string;
  candidate?: string;
  dataset?: string;
  device: DeviceChoice;
  dtype: Dtype;
  /** A hub repository of GGUF files: the quantisation downloaded. */
  quant?: string;
  samples: number;
}

/** The universal package has no model runtimes: it says so, and nothing runs. */
function runtimesMissing(deps: BenchDeps): boolean {
  const platform = packagePlatform(dirname(deps.cliPath));
  if (!platform || platform.nativeRuntimes) return false;
  void vscode.window.showErrorMessage(
    'CarbonLens: this is the universal package, without model runtimes (onnxruntime-node, sharp) for this platform, so it cannot run benchmarks. Install the CarbonLens package for your platform (linux-x64, linux-arm64, win32-x64 or darwin-arm64); live power, carbon figures and the advisor work here.',
  );
  return true;
}

/** The models: the caller's, else picked (the reference, then the candidate, for a comparison). */
async function chooseModels(
  deps: BenchDeps,
  args: BenchmarkArgs,
  task: Task,
  offline: Promise<string | undefined>,
  compare: boolean,
): Promise<{ model: string; candidate?: string } | undefined> {
  const hub = join(deps.store.cache, 'hub');
  const model =
    args.model ??
    (await pickModel(
      task,
      compare ? 'CarbonLens: the reference model (A)' : 'CarbonLens: which model?',
      deps.memento,
      await offline,
      hub,
    ));
  if (!model) return undefined;
  if (!compare) return { model };
  const title = 'CarbonLens: the candidate (B), usually the smaller one';
  const candidate = args.candidate ?? (await pickModel(task, title, deps.memento, await offline, hub));
  return candidate ? { model, candidate } : undefined;
}

/**
 * A first run that works offline: the model (picked now when the row did not name one) on the
 * task's built-in set, on auto, the default sample size; the weights asked only when it has several.
 */
async function startOffline(
  deps: BenchDeps,
  task: Task,
  named: string | undefined,
  why: string | undefined,
): Promise<BenchmarkArgs | undefined> {
  const hubCache = join(deps.store.cache, 'hub');
  const model = named ?? (await pickModel(task, 'CarbonLens: which model?', deps.memento, why, hubCache));
  if (!model) return undefined;
  await rememberModel(deps.memento, task, model);
  const dtype = task === 'text-generation' ? await pickDtype(task, model, hubCache) : 'fp32';
  if (!dtype) return undefined;
  return { task, model, device: 'auto', dtype, samples: startSamples(task) };
}

/**
 * The weights: a GGUF model's quantisation is in its file, nothing to choose; a hub repository
 * of GGUF files (its name says GGUF, as the hub's conversions are named) asks for the
 * quantisation; other language models come in several weights files, the fp32 one often many
 * gigabytes: asked by hand. A dtype the CLI would refuse is said here.
 */
async function chooseWeights(
  args: BenchmarkArgs,
  task: Task,
  model: string,
  hubCache: string,
): Promise<{ dtype: Dtype; quant?: string } | undefined> {
  const ggufRepo = task === 'text-generation' && !isGgufName(model) && isGgufRepoName(model);
  const quant = args.quant ?? (ggufRepo && !args.model ? await pickQuant(model) : undefined);
  if (ggufRepo && !args.model && !quant) return undefined;
  const dtype =
    args.dtype ??
    (task === 'text-generation' && !args.model && !isGgufName(model) && !quant
      ? await pickDtype(task, model, hubCache)
      : 'fp32');
  if (!dtype) return undefined;
  if (!isDtype(dtype)) {
    void vscode.window.showErrorMessage(`CarbonLens: unknown dtype ${dtype}.`);
    return undefined;
  }
  return { dtype, ...(quant && { quant }) };
}

/** The device and the weights: the caller's, else picked; a name the CLI would refuse is said here. */
async function chooseDeviceAndDtype(
  args: BenchmarkArgs,
  task: Task,
  model: string,
  devices: Promise<DeviceHere[] | undefined> | undefined,
  hubCache: string,
): Promise<{ device: DeviceChoice; dtype: Dtype; quant?: string } | undefined> {
  const device = args.device ?? (await pickDevice(devices ?? Promise.resolve(undefined)));
  if (!device) return undefined;
  if (!isDeviceChoice(device)) {
    void vscode.window.showErrorMessage(`CarbonLens: unknown device ${device}.`);
    return undefined;
  }
  const weights = await chooseWeights(args, task, model, hubCache);
  return weights && { device, ...weights };
}

/** Every choice, picked where the caller did not pass it; undefined when the person stops. */
async function choose(deps: BenchDeps, args: BenchmarkArgs, compare: boolean): Promise<Choice | undefined> {
  // The hub is asked (3 s at most, once a session) while the task is picked: offline, what runs here comes first.
  const config = deps.config();
  const offline = args.model
    ? Promise.resolve(undefined)
    : hubOffline(deps.runs.hubChecks, config.hubEndpoint, config.hubOffline);
  const picked = args.task ? { task: args.task } : await pickTask(offline, deps.store.cache, deps.memento, compare);
  if (!picked) return undefined;
  if ('start' in picked && picked.start) {
    const start = await startOffline(deps, picked.task, picked.start.model, await offline);
    return start && choose(deps, start, compare);
  }
  const { task } = picked;
  // The devices are probed (in a child process) while the person picks the model and the set.
  const devices = args.device ? undefined : devicesHere(deps.runs, deps.cliPath, cliEnvBase(deps));
  const models = await chooseModels(deps, args, task, offline, compare);
  if (!models) return undefined;
  if (!args.model) await rememberModel(deps.memento, task, models.model);
  // Asked only when the command is run by hand; a caller that names the model passes `dataset` or takes the default.
  let dataset = args.dataset;
  if (!args.model) {
    const chosen = await pickDataset(task, deps.memento, await offline, deps.store.cache);
    if (!chosen) return undefined;
    dataset = chosen.path;
  }
  const weights = await chooseDeviceAndDtype(args, task, models.model, devices, join(deps.store.cache, 'hub'));
  if (!weights) return undefined;
  const samples = args.samples ?? (await pickSamples(task, dataset));
  if (!samples) return undefined;
  const clip = task === 'text-to-image' ? args.clip : undefined;
  if (untrusted([models.model, models.candidate, dataset, clip])) return undefined;
  return { task, ...models, dataset, ...weights, samples };
}

/** The place, when the setting names one the data knows (else the run reports energy only). */
function placeOptions(deps: BenchDeps, config: CarbonLensConfig): Pick<BenchRequest, 'place' | 'intensityDataset'> {
  if (!config.location) return {};
  try {
    resolvePlace(config.location, { dataset: config.dataset });
    return { place: config.location, intensityDataset: config.dataset };
  } catch (e) {
    deps.log.warn(`Benchmark CO2: ${(e as Error).message} The run reports energy only.`);
    return {};
  }
}

/** The CLI's request: the choice, the task's own options from the caller, and the settings. */
function requestOf(deps: BenchDeps, c: Choice, args: BenchmarkArgs, compare: boolean): BenchRequest {
  const config = deps.config();
  return {
    command: compare ? 'compare' : 'bench',
    models: c.candidate ? [c.model, c.candidate] : [c.model],
    task: c.task,
    device: c.device,
    dtype: c.dtype,
    samples: c.samples,
    json: true,
    out: deps.store.csv,
    ...(c.dataset && { dataset: c.dataset }),
    ...(args.batch && { batch: args.batch }),
    ...(args.idleMs !== undefined && { idleMs: args.idleMs }),
    ...(c.task === 'text-to-image' && textToImageOf(args)),
    ...(c.task === 'text-generation' && args.maxNewTokens !== undefined && { maxNewTokens: args.maxNewTokens }),
    ...(c.quant && { quant: c.quant }),
    ...placeOptions(deps, config),
    pue: config.pue,
    attribution: config.runs.attribution,
    // One GPU in carbonlens.meter.gpus: the benchmark's model runs on it too, and it alone is metered.
    ...(config.gpus && !config.gpus.includes(',') && config.gpus.toLowerCase() !== 'all' && { gpu: config.gpus }),
    ...(config.hubOffline && { offline: true }),
  };
}

/** Text to image's options, those the caller passed (a scheduler the CLI does not know is its to refuse). */
const textToImageOf = (args: BenchmarkArgs): Partial<BenchRequest> =>
  Object.fromEntries(
    Object.entries({
      steps: args.steps,
      guidance: args.guidance,
      size: args.size,
      scheduler: args.scheduler,
      clip: args.clip,
    }).filter(([, v]) => v !== undefined),
  );

/** Runs the CLI under a cancellable notification that shows its progress events. */
async function runWithProgress(
  deps: BenchDeps,
  request: BenchRequest,
  title: string,
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  const compare = request.command === 'compare';
  const cts = new vscode.CancellationTokenSource();
  deps.runs.started(cts);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CarbonLens: ${title}`, cancellable: true },
      (progress, notificationToken) => {
        notificationToken.onCancellationRequested(() => cts.cancel());
        return runBenchCli(deps.cliPath, request, {
          env,
          token: cts.token,
          children: deps.runs.children,
          onEvent: progressReporter(progress, compare),
          askConsent: (e) => askDownload(deps, e),
        });
      },
    );
  } finally {
    deps.runs.finished(cts);
    cts.dispose();
  }
}

/** The CLI's progress events as the notification's message and bar. */
function progressReporter(
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  compare: boolean,
): (e: BenchEvent) => void {
  let shown = 0;
  const report = (message: string, percent?: number) => {
    const increment = percent === undefined ? undefined : Math.max(0, percent - shown);
    if (percent !== undefined) shown = Math.max(shown, percent);
    progress.report({ message, increment });
  };
  // The title names the model; a comparison says which of the two is running.
  const who = (m: string) => (compare ? `${basename(m)}: ` : '');
  return (e) => {
    if (e.event === 'phase') report(`${who(e.model)}${phaseText(e.phase, e.detail)}`);
    else if (e.event === 'items')
      report(`${who(e.model)}${e.done} of ${e.total} items`, (100 * e.done) / e.total / (compare ? 2 : 1));
    else if (e.event === 'download')
      report(`downloading ${e.file}: ${(e.doneBytes / 1e6).toFixed(0)} of ${(e.missingBytes / 1e6).toFixed(0)} MB`);
  };
}

/** A download the CLI needs: the person sees what, how big and from where, and says yes or no. */
async function askDownload(deps: BenchDeps, e: Extract<BenchEvent, { event: 'consent' }>): Promise<boolean> {
  const what = `${e.kind === 'dataset' ? 'the dataset ' : ''}${e.repo}: ${(e.bytes / 1e6).toFixed(e.bytes < 1e7 ? 1 : 0)} MB in ${e.files} file(s)`;
  const endpoint = deps.config().hubEndpoint || 'huggingface.co';
  const pick = await vscode.window.showInformationMessage(
    `CarbonLens needs to download ${what} from ${endpoint} into the extension's storage.`,
    { modal: true, detail: e.folder },
    'Download',
  );
  deps.log.info(`Download of ${what}: ${pick ? 'accepted' : 'declined'}.`);
  return pick === 'Download';
}

/**
 * A failed run, shown as the CLI's failure event says it; one from the message catalogue in the
 * editor's own voice, with its controls (run again with another choice, pick a local folder).
 */
function showFailure(
  deps: BenchDeps,
  result: CliResult,
  title: string,
  again: () => (set: BenchmarkArgs) => Promise<unknown>,
  task: Task,
): void {
  const f = result.failure;
  const why = f
    ? `${f.message}${f.hint ? ` ${f.hint}` : ''}`
    : `The benchmark stopped (${result.code === null ? 'killed by a signal' : `exit code ${result.code}`}) without saying why; the log has its output.`;
  deps.log.error(`${title} failed (${f?.kind ?? 'internal'}): ${why}`);
  deps.onState('failed', `${title} failed: ${f?.remedy ? messageText(f.remedy, 'editor') : why}`);
  if (!f?.remedy) {
    void vscode.window.showErrorMessage(`CarbonLens: ${why}`, 'Open Log').then((p) => p && deps.log.show());
    return;
  }
  const run = again();
  void showRemedy(
    f.remedy,
    {
      retry: (set) => run(set),
      pickFolder: async (what) => {
        const set = SETS[task];
        const dataset = what === 'dataset';
        const chosen = await vscode.window.showOpenDialog({
          canSelectFolders: dataset ? set.folder : true,
          canSelectFiles: dataset ? !set.folder : false,
          title: dataset ? set.own.replace(/…$/, '') : 'Model folder (config.json and onnx/)',
        });
        const path = chosen?.[0]?.fsPath;
        // A model folder picked in place of a GGUF one has no quantisation.
        if (path) await run(dataset ? { dataset: path } : { model: path, quant: undefined });
      },
    },
    ['Open Log'],
  ).then((p) => p === 'Open Log' && deps.log.show());
}

/** A finished run: its records to the store's listeners, its summary to the person. */
function showResult(deps: BenchDeps, result: CliResult): BenchRecord[] | undefined {
  const answer = parseCliAnswer(result.stdout);
  if (!answer) {
    const why = 'The benchmark finished, but its answer was not one CarbonLens reads; the log has its output.';
    deps.log.error(`${why}\n${result.stdout.slice(0, 2000)}`);
    deps.onState('failed', why);
    void vscode.window.showErrorMessage(`CarbonLens: ${why}`, 'Open Log').then((p) => p && deps.log.show());
    return undefined;
  }
  deps.onSaved(answer.records);
  const text = answer.verdict ? answer.verdict.sentence : describe(answer.records[0]!);
  deps.log.info(text);
  deps.onState('done', text);
  void vscode.window
    .showInformationMessage(`CarbonLens: ${text}`, 'Open Panel')
    .then((p) => p && vscode.commands.executeCommand('carbonlens.showPanel'));
  return answer.records;
}

export async function runBenchmarkCommand(
  deps: BenchDeps,
  args: BenchmarkArgs = {},
  compare = false,
): Promise<BenchRecord[] | undefined> {
  if (runtimesMissing(deps)) return undefined;
  const choice = await choose(deps, args, compare);
  if (!choice) return undefined;
  const { task, model, candidate, device, samples } = choice;
  // A GGUF model needs llama.cpp, which the VSIX fetches on demand: asked for here, with its size.
  const gguf =
    task === 'text-generation' &&
    (!!choice.quant || [model, candidate].some((m) => m && (isGgufName(m) || isGgufRepoName(m))));
  if (gguf && !(await ensureLlama(deps, device))) return undefined;
  mkdirSync(deps.store.dir, { recursive: true });
  const request = requestOf(deps, choice, args, compare);
  const env = {
    ...cliEnvBase(deps),
    HF_TOKEN: (await deps.secrets.get(HF_TOKEN_SECRET)) ?? process.env.HF_TOKEN,
    ...(deps.config().hubEndpoint && { HF_ENDPOINT: deps.config().hubEndpoint }),
  };
  const title = compare ? `Comparing ${model} and ${candidate}` : `Benchmarking ${model}`;
  deps.log.info(`${title}: carbonlens ${toArgs(request).join(' ')}`);
  deps.onState('running', `${title} (${task}, ${samples} items, ${device})…`);
  const result = await runWithProgress(deps, request, title, env);
  for (const m of result.messages) deps.log.info(`  ${m}`);
  if (result.cancelled) {
    deps.onState('cancelled', `${title}: cancelled, nothing recorded.`);
    void vscode.window.showInformationMessage(`CarbonLens: ${title} cancelled; nothing was recorded.`);
    return undefined;
  }
  if (result.code !== 0 && !(compare && result.code === 3)) {
    const again = () => (set: BenchmarkArgs) => runBenchmarkCommand(deps, { ...args, ...choice, ...set }, compare);
    showFailure(deps, result, title, again, task);
    return undefined;
  }
  return showResult(deps, result);
}
