import { gramsText, intensityText, joulesText } from '../core/units';
import { basename, dirname, join, resolve } from 'node:path';
import { benchmarkModel, type BenchmarkOutcome } from '../core/bench/benchmarkModel';
import { benchRecord, type BenchRecord } from '../core/bench/record';
import type { BenchRequest } from '../core/bench/request';
import { meteringText } from '../core/energy/gpuText';
import { appendRecord } from '../core/bench/report';
import type { BenchResult } from '../core/bench/harness';
import type { QualityFigure } from '../core/bench/taskRunner';
import type { LlamaEngine } from '../core/models/llamaRuntime';
import {
  BENCH_OPTIONS_HELP,
  benchSettings,
  cancelOnInterrupt,
  checkOut,
  openInstruments,
  parseBenchRequest,
  type BenchSettings,
  type Instruments,
} from './benchOptions';
import { describeFigure } from './estimate';
import { emitEvent } from './events';
import { phaseText, type BenchAnswer } from '../protocol';
import { downloadOptions, hubFromEnv } from './hubOptions';
import { startTelemetry, telemetryNote, telemetryOptions } from './telemetryOptions';

export const BENCH_HELP = `Usage: carbonlens bench --model ID_OR_PATH --task TASK [options]

Runs a model on an evaluation set on this machine and reports its quality (with a 95% interval)
and its energy per item per component (GPU, CPU, RAM), each figure labelled measured (hardware
counter), sampled (power x time) or estimated (a model), with the idle baseline subtracted
alongside. Phases: idle baseline, load (metered apart), warm-up, measured run(s), idle baseline.
A model is a Hugging Face hub id with ONNX weights (as transformers.js uses them) or a local
folder in the same layout; for text generation also a .gguf file or an Ollama model by name
(ollama:llama3.2:3b, read from Ollama's store: OLLAMA_MODELS or ~/.ollama/models), which run
through llama.cpp (node-llama-cpp's prebuilt CPU, CUDA, Vulkan or Metal build).

  --model ID_OR_PATH  the model (required)
${BENCH_OPTIONS_HELP}
`;

type Print = (text: string) => void;
const stderr: Print = (t) => void process.stderr.write(`${t}\n`);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatQuality(q: QualityFigure): string {
  const isRate = ['accuracy', 'exact-match', 'normalised-match', 'cer'].includes(q.metric);
  const f = (x: number) => (isRate ? pct(x) : x.toFixed(3));
  const interval = Number.isFinite(q.low) ? ` (95% CI ${f(q.low)}-${f(q.high)})` : '';
  return `${q.metric} ${f(q.value)}${interval}${q.higherIsBetter ? '' : ', lower is better'}`;
}

const sourceText = (m: BenchRecord['model']) =>
  m.source === 'ollama'
    ? "Ollama's store"
    : m.source === 'local'
      ? m.format === 'gguf'
        ? 'local GGUF file'
        : `local folder${m.randomWeights ? ', random weights: a demo' : ''}`
      : `hub${m.commit ? `, ${m.commit.slice(0, 10)}` : ''}`;

/** llama.cpp, its build and the quantisation, as a record's runtime line says them. */
export const engineText = (e: LlamaEngine) =>
  `${e.name} (${e.build} build${e.gpuLayers !== undefined ? `, ${e.gpuLayers} layers on the GPU` : ''}, ${e.threads} CPU thread${e.threads === 1 ? '' : 's'}; ${e.binding}, llama.cpp ${e.llamaCpp}), ${e.quantisation}, context ${e.contextSize}`;

export function formatRecord(r: BenchRecord): string[] {
  const res = r.result;
  const s = res.summary;
  const skipped = res.attempts.filter((a) => !a.ok).map((a) => `${a.device}: ${a.reason}`);
  const lines = [
    `Model      ${r.model.id} (${sourceText(r.model)})`,
    `Task       ${r.task} on ${r.dataset.name}: ${r.dataset.items} items (seed ${r.dataset.seed}, of ${r.dataset.population})`,
    `Device     ${res.device}, ${res.dtype}, batch ${res.batch}${res.runtime?.batchChosenBy === 'measurement' ? ` (fastest of ${res.runtime.batchTrials!.map((t) => `${t.batch}: ${t.itemsPerS.toPrecision(3)}/s`).join(', ')})` : ''}${skipped.length ? `; not used: ${skipped.join('; ')}` : ''}`,
    ...(r.gpus ? [`GPUs       ${meteringText(r.gpus)}`, ...r.gpus.notes.map((n) => `           ${n}`)] : []),
    ...(res.runtime
      ? [
          res.runtime.engine
            ? `Runtime    ${engineText(res.runtime.engine)}; inputs by ${res.runtime.preprocessing}`
            : `Runtime    inputs by ${res.runtime.preprocessing}${res.runtime.graphCapture ? `; graph capture off (${res.runtime.graphCapture.why})` : ''}`,
        ]
      : []),
    `Load       ${res.load.seconds.toFixed(2)} s, ${joulesText(res.load.energyJ)} (${res.load.kind})`,
    `Run        ${s.seconds.toFixed(2)} s, ${s.itemsPerS.toPrecision(3)} items/s${res.repeats.length > 1 ? ` (median of ${res.repeats.length}, spread ${res.spreadPercent!.toFixed(1)}%)` : ''}${res.runtime?.pipeline ? ', end to end, pipelined (inputs prepared while the model runs, as a deployment runs it)' : res.phases ? ', end to end (the two phases added)' : ''}`,
    ...(res.phases
      ? (['preprocess', 'model'] as const).map((p) => {
          const x = res.phases![p];
          return `  ${p === 'model' ? 'model apart' : 'prep. apart'} ${x.seconds.toFixed(2)} s, ${x.itemsPerS.toPrecision(3)} items/s, ${joulesText(x.jPerItem)}/item (${x.kind}); ${x.components.map((c) => `${c.component} ${joulesText(c.jPerItem)}`).join(', ')}`;
        })
      : []),
    ...generationLines(res.generation),
    `Energy     ${joulesText(s.jPerItem)}/item${s.netJPerItem !== undefined ? `, ${joulesText(s.netJPerItem)}/item above idle` : ''} (${s.kind === 'measured' ? 'measured' : `weakest figure: ${s.kind}`})`,
    ...s.components.map(
      (c) =>
        `             ${c.component.padEnd(4)}${joulesText(c.jPerItem)}/item${c.netJPerItem !== undefined ? ` (${joulesText(c.netJPerItem)} above idle)` : ''}, ${c.kind}`,
    ),
    ...(s.own?.components.length
      ? [
          `Own share  ${joulesText(s.own.jPerItem)}/item attributed to this process (${s.own.components.map((c) => `${c.component} ${(c.share * 100).toFixed(0)}% of ${c.base === 'above idle' ? 'the energy above idle' : 'its energy'}`).join(', ')})`,
        ]
      : []),
    `Quality    ${formatQuality(res.quality.primary)}${res.quality.others.length ? `; ${res.quality.others.map(formatQuality).join('; ')}` : ''}${r.model.randomWeights ? ' (random weights: means nothing)' : ''}`,
  ];
  const e = r.emissions;
  if (e) {
    lines.push(
      `Emissions  ${gramsText(e.gPerItem)} CO2e/item, ${e.gPerThousandOutputTokens !== undefined ? `${gramsText(e.gPerThousandOutputTokens)} per 1,000 output tokens` : `${e.kgPerMillionItems.toPrecision(3)} kg per million items`}, at ${intensityText(e.intensity.gco2PerKwh)} x PUE ${e.pue} (${describeFigure(e.intensity)})`,
    );
    const cleaner = e.cleanerRegions.filter((c) => (c.savingPercent ?? 0) > 0).slice(0, 3);
    if (cleaner.length)
      lines.push(
        `Cleaner    ${cleaner.map((c) => `${c.provider} ${c.region} (${c.location}) ${gramsText(c.gPerItem)}/item, -${c.savingPercent!.toFixed(0)}%`).join('; ')}`,
      );
  } else lines.push(`Emissions  ${r.emissionsNote} Pass --region, --location, --country or --intensity for it.`);
  const outputs = res.outputs ?? [];
  if (outputs.length)
    lines.push(
      `Images     ${outputs.length} PNGs in ${dirname(outputs[0]!.file)}; CLIP score ${Math.min(...outputs.map((o) => o.score)).toFixed(1)} to ${Math.max(...outputs.map((o) => o.score)).toFixed(1)}`,
    );
  for (const w of res.warnings) lines.push(`Warning    ${w}`);
  return lines;
}

const ms = (s: number) => `${(s * 1000).toPrecision(3)} ms`;
const aboveIdle = (j: number | undefined, unit: string) =>
  j === undefined ? '' : `, ${joulesText(j)}/${unit} above idle`;

const clip = (text: string, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** Text generation: tokens, then each phase's speed and energy per token. */
function generationLines(g: BenchResult['generation']): string[] {
  if (!g) return [];
  const phase = (r: NonNullable<typeof g.decode>) =>
    `${r.seconds.toFixed(2)} s, ${joulesText(r.jPerItem)}/prompt (${r.kind}); ${r.components.map((c) => `${c.component} ${joulesText(c.jPerItem)}`).join(', ')}`;
  return [
    `Tokens     ${g.inputTokens} in, ${g.outputTokens} out (${g.decodeTokens} after each answer's first), greedy, at most ${g.maxNewTokens} per answer${g.chat ? ", prompts in the model's chat template" : ''}`,
    `  prefill  ${phase(g.prefill)}`,
    `           first token in ${ms(g.ttft.meanS)} mean (p50 ${ms(g.ttft.p50S)}, p90 ${ms(g.ttft.p90S)}), ${g.prefillTokensPerS.toPrecision(3)} input tokens/s, ${joulesText(g.jPerInputToken)}/input token${aboveIdle(g.netJPerInputToken, 'input token')}`,
    ...(g.decode && g.jPerOutputToken !== undefined
      ? [
          `  decode   ${phase(g.decode)}`,
          `           ${g.decodeTokensPerS!.toPrecision(3)} tokens/s, ${joulesText(g.jPerOutputToken)}/output token${aboveIdle(g.netJPerOutputToken, 'output token')}`,
        ]
      : ['  decode   none: every answer ended at its first token (raise --max-new-tokens, or check the prompts)']),
    ...(g.examples ?? []).map(
      (e, i) =>
        `${i === 0 ? 'Answers   ' : '          '} ${e.match ? 'match' : 'miss '}  ${JSON.stringify(clip(e.prompt))} -> ${JSON.stringify(clip(e.answer))}${e.match ? '' : ` (expected ${JSON.stringify(e.reference)})`}`,
    ),
    ...(g.peakGpuMemoryMiB !== undefined
      ? [`GPU memory ${(g.peakGpuMemoryMiB / 1024).toFixed(2)} GiB at most in use on the GPU (sampled; all processes)`]
      : []),
  ];
}

export interface MeasureFlags {
  yes: boolean;
  offline: boolean;
  events: boolean;
}

/** Runs one model; the record is built and saved by the caller. */
export async function measure(
  model: string,
  settings: BenchSettings,
  instruments: Instruments,
  flags: MeasureFlags,
  signal: AbortSignal,
  set?: BenchmarkOutcome['set'],
  err: Print = stderr,
): Promise<BenchmarkOutcome> {
  const hub = hubFromEnv(flags.offline);
  let lastItems = 0;
  const { textToImage: t2i, gpu: _gpu, ...rest } = settings;
  return benchmarkModel({
    ...rest,
    ...(instruments.cudaDeviceId !== undefined && { cudaDeviceId: instruments.cudaDeviceId }),
    ...(t2i && { textToImage: { ...t2i, imagesDir: t2i.imagesDir ?? imagesFolder(settings.out, model) } }),
    model,
    hub,
    meter: instruments.meter,
    signal,
    set,
    download: downloadOptions(flags.yes, signal, err, flags.events),
    onPhase: (phase, detail) =>
      flags.events
        ? emitEvent({ event: 'phase', model, phase, detail })
        : err(`[${model}] ${phaseText(phase, detail)}`),
    onItems: (done, total) => {
      const now = Date.now();
      if (!flags.events || (now - lastItems < 250 && done < total)) return;
      lastItems = now;
      emitEvent({ event: 'items', model, done, total });
    },
  });
}

/** Generated images go beside the CSV: images/<model>-<time>/<seed>.png. */
function imagesFolder(csv: string, model: string): string {
  const name = basename(model).replace(/[^\w.-]+/g, '_') || 'model';
  return join(dirname(resolve(csv)), 'images', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

export const measureFlags = (values: { yes?: boolean; offline?: boolean; events?: boolean }): MeasureFlags => ({
  yes: !!values.yes,
  offline: !!values.offline,
  events: !!values.events,
});

export function recordOf(outcome: BenchmarkOutcome, settings: BenchSettings, instruments: Instruments): BenchRecord {
  const record = benchRecord({
    task: settings.task,
    ...outcome,
    inventory: instruments.inventory,
    sources: instruments.sources,
    ...(instruments.gpus && { gpus: instruments.gpus }),
    intensity: settings.intensity,
    pue: settings.pue,
    ...(settings.attribution === 'process' && { attribution: 'process' as const }),
  });
  return record;
}

export async function runBench(args: string[], out: Print): Promise<number> {
  const request = parseBenchRequest('bench', args);
  const settings = benchSettings(request);
  checkOut(settings.out);
  const cancel = cancelOnInterrupt(stderr);
  const instruments = await openInstruments(request.ramModel, settings.gpu);
  const push = await recordPush(request, settings, instruments, 'bench');
  try {
    const outcome = await measure(request.models[0]!, settings, instruments, measureFlags(request), cancel.signal);
    const [record] = await push.send([recordOf(outcome, settings, instruments)]);
    const saved = appendRecord(settings.out, record!);
    if (request.json) out(JSON.stringify(record satisfies BenchAnswer, null, 2));
    else {
      for (const line of formatRecord(record)) out(line);
      out(`Saved      ${saved.csv} (CodeCarbon format), ${saved.jsonl}`);
    }
    return 0;
  } finally {
    cancel.dispose();
    await push.close();
    instruments.meter.close();
  }
}

/**
 * The records' push over OTLP where asked for (--otlp or OTEL_EXPORTER_OTLP_*): `send` pushes
 * them (within its timeout) before they are written, so each record says whether it arrived.
 */
export async function recordPush(
  request: BenchRequest,
  settings: BenchSettings,
  instruments: Instruments,
  command: 'bench' | 'compare',
) {
  const otlp = telemetryOptions(
    { otlp: request.otlp, 'otlp-protocol': request.otlpProtocol, 'otlp-header': request.otlpHeaders },
    command,
  );
  const telemetry =
    otlp && (await startTelemetry(otlp, instruments.meter, { intensity: settings.intensity, pue: settings.pue }));
  return {
    send: async <R extends BenchRecord>(records: R[]): Promise<R[]> => {
      for (const r of records) telemetry?.recordBench(r);
      const note = await telemetryNote(telemetry, otlp);
      return note ? records.map((r) => ({ ...r, telemetry: note })) : records;
    },
    close: async () => telemetry?.shutdown(),
  };
}
