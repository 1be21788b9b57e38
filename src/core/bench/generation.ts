// Text generation measured per phase: for each prompt, one energy window from the call to the
// start of the second forward pass (tokenising, the prompt's prefill and the first token: the
// time to first token) and one from there to the answer (every later token: the decode). The
// windows of all prompts add up to a prefill phase and a decode phase, each read from the
// meter's counters at its edges, so the two never overlap and together cover the whole run.
import { sumWindows, type Meter, type WindowResult } from '../energy/meter';
import type { TaskPipeline } from '../models/runtime';
import { checkAbort, type EvalItem } from './datasets/evalSet';
import type { RepeatResult } from './harness';
import type { TaskRunner } from './taskRunner';

export interface PerPrompt {
  inputTokens: number[];
  outputTokens: number[];
  ttftS: number[];
  decodeS: number[];
}

export interface GenerationRun {
  prefill: WindowResult;
  /** Undefined when no prompt had a token after its first. */
  decode?: WindowResult;
  answers: string[];
  /** Per prompt, in the set's order: tokens in and out, time to first token (from the call to the start of its second forward pass) and seconds after it. */
  perPrompt: PerPrompt;
  /** Highest GPU memory in use seen during the run (sampled at each window edge), MiB. */
  peakGpuMemoryMiB?: number;
}

/** The prompts one at a time, as a local assistant answers them, with the two phases metered apart. */
export async function runGeneration(
  pipeline: TaskPipeline,
  runner: TaskRunner,
  items: readonly EvalItem[],
  meter: Meter,
  signal?: AbortSignal,
  onItems?: (done: number, total: number) => void,
): Promise<GenerationRun> {
  const watch = pipeline.onForward;
  if (!watch)
    throw new Error('This pipeline does not expose its forward passes, so prefill and decode cannot be told apart.');
  const prefills: WindowResult[] = [];
  const decodes: WindowResult[] = [];
  const answers: string[] = [];
  const perPrompt: PerPrompt = { inputTokens: [], outputTokens: [], ttftS: [], decodeS: [] };
  let peak: number | undefined;
  const memory = meter.onReading((r) => {
    const used = r.readings
      .filter((x) => x.component === 'gpu' && x.stats?.memoryUsedBytes !== undefined)
      .reduce((t, x) => t + x.stats!.memoryUsedBytes!, 0);
    if (used > 0) peak = Math.max(peak ?? 0, used);
  });
  try {
    for (const item of items) {
      checkAbort(signal);
      let steps = 0;
      let promptTokens = 0;
      let window = await meter.begin();
      let prefill: WindowResult | undefined;
      // Time to first token from the clock alone: the counter reads at the window's edges are not the model's.
      const called = meter.now();
      let firstAt: number | undefined;
      watch.call(pipeline, async (inputs) => {
        checkAbort(signal); // a long answer stops at its next token, not at its end
        steps++;
        if (steps === 1) promptTokens = inputs.input_ids?.dims.reduce((a, b) => a * b, 1) ?? 0;
        else if (steps === 2) {
          firstAt = meter.now();
          const split = await window.split();
          prefill = split.result;
          window = split.next;
        }
      });
      let output: unknown;
      try {
        output = await pipeline([runner.input ? runner.input(item.input) : item.input], runner.callOptions);
      } finally {
        watch.call(pipeline, undefined);
      }
      const returned = meter.now();
      const last = await window.end();
      if (prefill) decodes.push(last);
      prefills.push(prefill ?? last);
      perPrompt.ttftS.push(((firstAt ?? returned) - called) / 1000);
      perPrompt.decodeS.push(firstAt === undefined ? 0 : (returned - firstAt) / 1000);
      perPrompt.inputTokens.push(promptTokens);
      perPrompt.outputTokens.push(steps);
      answers.push(...runner.answers(output, 1));
      onItems?.(answers.length, items.length);
    }
  } finally {
    memory.dispose();
  }
  return {
    prefill: sumWindows(prefills),
    ...(decodes.length > 0 && { decode: sumWindows(decodes) }),
    answers,
    perPrompt,
    ...(peak !== undefined && { peakGpuMemoryMiB: peak / 1024 ** 2 }),
  };
}

/** What a text-generation benchmark adds to its record: tokens, phases, and energy per token. */
export interface GenerationFigures {
  maxNewTokens: number;
  /** The prompts went through the model's chat template. */
  chat: boolean;
  prompts: number;
  inputTokens: number;
  /** Every token made, each answer's first (made by its prefill) included. */
  outputTokens: number;
  /** Tokens made after each answer's first: the decode phase's work. */
  decodeTokens: number;
  /** Time to first token per prompt, s. */
  ttft: { meanS: number; p50S: number; p90S: number };
  /** The prefill phase, per prompt (tokenising, the prompt's forward pass, the first token). */
  prefill: RepeatResult;
  /** The decode phase, per prompt; absent when no answer went past its first token. */
  decode?: RepeatResult;
  prefillTokensPerS: number;
  jPerInputToken: number;
  netJPerInputToken?: number;
  decodeTokensPerS?: number;
  /** Decode energy per token it made. */
  jPerOutputToken?: number;
  netJPerOutputToken?: number;
  peakGpuMemoryMiB?: number;
  /** Each prompt's tokens and times, for distributions (and OpenTelemetry's per-request histograms). */
  perPrompt?: PerPrompt;
  /** The first few prompts with their reference, the model's answer (its first line) and whether it matched. */
  examples?: { prompt: string; reference: string; answer: string; match: boolean }[];
}

const quantile = (sorted: readonly number[], q: number) => {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
};

export function generationFigures(
  run: GenerationRun,
  prefill: RepeatResult,
  decode: RepeatResult | undefined,
  settings: { maxNewTokens: number; chat: boolean },
): GenerationFigures {
  const prompts = run.perPrompt.ttftS.length;
  const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
  const inputTokens = sum(run.perPrompt.inputTokens);
  const outputTokens = sum(run.perPrompt.outputTokens);
  const decodeTokens = outputTokens - prompts;
  const sorted = [...run.perPrompt.ttftS].sort((a, b) => a - b);
  const perToken = (energyJ: number | undefined, tokens: number) =>
    energyJ === undefined || tokens <= 0 ? undefined : energyJ / tokens;
  return {
    ...settings,
    prompts,
    inputTokens,
    outputTokens,
    decodeTokens,
    ttft: {
      meanS: sum(sorted) / prompts,
      p50S: quantile(sorted, 0.5),
      p90S: quantile(sorted, 0.9),
    },
    prefill,
    ...(decode && { decode }),
    prefillTokensPerS: inputTokens / prefill.seconds,
    jPerInputToken: prefill.energyJ / inputTokens,
    ...(prefill.netEnergyJ !== undefined && { netJPerInputToken: prefill.netEnergyJ / inputTokens }),
    ...(decode &&
      decodeTokens > 0 && {
        decodeTokensPerS: decodeTokens / decode.seconds,
        jPerOutputToken: perToken(decode.energyJ, decodeTokens),
        ...(decode.netEnergyJ !== undefined && { netJPerOutputToken: perToken(decode.netEnergyJ, decodeTokens) }),
      }),
    ...(run.peakGpuMemoryMiB !== undefined && { peakGpuMemoryMiB: run.peakGpuMemoryMiB }),
    perPrompt: run.perPrompt,
  };
}
