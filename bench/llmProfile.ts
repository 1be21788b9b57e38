// Where a generated token's time goes with transformers.js on onnxruntime-node (the CUDA
// provider where CARBONLENS_ORT_DIR points at it): the same pipeline `carbonlens bench` loads,
// every session.run timed against the wall clock (JavaScript between runs = the rest), the time
// to first token with the prompt's logits computed for every position and for the last one only
// (where the graph declares num_logits_to_keep), then one short answer under onnxruntime's
// profiler: nodes per step, which provider ran each, host-device copies, time per operator.
//   node out/bench/llmProfile.js MODEL_DIR DTYPE PROMPTS.jsonl NEW_TOKENS OUT_DIR [text-generation|summarization] [DEVICE]
// Prints one JSON object (also written to OUT_DIR/profile-<model>-<dtype>.json). The model's
// forward passes go through lastPositionOnly as in `carbonlens bench`; RAW=1 leaves
// transformers.js as it is (the before of that lever).
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { useRuntime } from '../src/core/models/cudaProvider';
import { prepareCuda } from '../src/core/models/cudaPreload';
import { lastPositionOnly } from '../src/core/models/lastLogits';

type Session = {
  run: (feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => Promise<unknown>;
  inputNames: string[];
  outputNames: string[];
  endProfiling: () => void;
};
interface Run {
  session: string;
  start: number;
  end: number;
  inputLength: number;
  pastLength: number;
}

const [dirArg, dtype = 'fp16', promptsFile, newArg = '64', outArg = '.', taskArg, deviceArg] = process.argv.slice(2);
if (!dirArg || !promptsFile) {
  console.error(
    'usage: node out/bench/llmProfile.js MODEL_DIR DTYPE PROMPTS.jsonl NEW_TOKENS OUT_DIR [text-generation|summarization] [DEVICE]',
  );
  process.exit(2);
}
const dir = resolve(dirArg);
const out = resolve(outArg);
const task = taskArg ?? 'text-generation';
const device = deviceArg ?? 'cuda';
const maxNew = Number(newArg);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const round = (x: number, d = 3) => Number(x.toFixed(d));

async function main() {
  if (process.env.CARBONLENS_ORT_DIR) useRuntime(process.env.CARBONLENS_ORT_DIR);
  if (device === 'cuda') {
    const ready = prepareCuda();
    if (ready.unavailable) throw new Error(`CUDA: ${ready.unavailable}`);
  }
  const { pipeline, env, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(dir) + sep;
  env.useFSCache = false;
  const lines = readFileSync(promptsFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const inputs = lines.map((l) => {
    const v = JSON.parse(l) as Record<string, string>;
    return task === 'summarization' ? (v.text ?? v.article ?? '') : `Question: ${v.prompt}\nAnswer:`;
  });
  const callOptions = {
    max_new_tokens: maxNew,
    do_sample: false,
    ...(task === 'text-generation' && { return_full_text: false }),
  };
  mkdirSync(out, { recursive: true });
  const profilePrefix = join(out, `ort-${basename(dir)}-${dtype}`);

  const load = async (profile: boolean) => {
    const pipe = (await pipeline(task as 'text-generation', basename(dir), {
      device: device as 'cuda',
      dtype: dtype as 'fp16',
      session_options: profile ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {},
    })) as unknown as {
      (x: unknown, o?: unknown): Promise<unknown>;
      model: { sessions: Record<string, Session> };
      dispose(): Promise<void>;
    };
    const runs: Run[] = [];
    if (!process.env.RAW) {
      const model = pipe.model as unknown as { forward(x: unknown): Promise<unknown> };
      const forward = model.forward.bind(model);
      model.forward = async (x) => lastPositionOnly(await forward(x));
    }
    for (const [name, session] of Object.entries(pipe.model.sessions)) {
      const run = session.run.bind(session);
      session.run = async (feeds, ...rest) => {
        const start = performance.now();
        const result = await run(feeds, ...rest);
        const past = Object.entries(feeds).find(([k]) => k.startsWith('past_key_values'))?.[1];
        runs.push({
          session: name,
          start,
          end: performance.now(),
          inputLength: feeds.input_ids?.dims.at(-1) ?? 0,
          pastLength: past?.dims[2] ?? 0,
        });
        return result;
      };
    }
    return { pipe, runs };
  };

  // 1. Timing without the profiler: warm-up, then each prompt's runs against the wall clock.
  const { pipe, runs } = await load(false);
  const decoderName = 'decoder_model_merged' in pipe.model.sessions ? 'decoder_model_merged' : 'model';
  const decoder = pipe.model.sessions[decoderName]!;
  const declaresKeep = decoder.inputNames.includes('num_logits_to_keep');
  for (const x of inputs.slice(0, 2)) await pipe(x, callOptions);
  const perPrompt: { ttft: number; steps: number[]; runMs: number[]; gaps: number[]; encoderMs?: number }[] = [];
  const walls: number[] = [];
  for (const x of inputs) {
    runs.length = 0;
    const t0 = performance.now();
    await pipe(x, callOptions);
    walls.push(performance.now() - t0);
    const dec = runs.filter((r) => r.session === decoderName);
    const enc = runs.find((r) => r.session !== decoderName);
    perPrompt.push({
      // From the call to the end of the first decoder run (the first token's logits exist).
      ttft: dec[0]!.end - t0,
      steps: dec.slice(1).map((r, i) => r.start - dec[i]!.start),
      runMs: dec.slice(1).map((r) => r.end - r.start),
      gaps: dec.slice(1).map((r, i) => r.start - dec[i]!.end),
      ...(enc && { encoderMs: enc.end - enc.start }),
    });
  }
  const flat = (f: (p: (typeof perPrompt)[number]) => number[]) => perPrompt.flatMap(f);
  const timing = {
    prompts: inputs.length,
    new_tokens: maxNew,
    call_ms_mean: round(mean(walls)),
    ttft_ms_mean: round(mean(perPrompt.map((p) => p.ttft))),
    ttft_less_encoder_ms_mean: round(
      mean(perPrompt.map((p, i) => p.ttft - (perPrompt[i]!.encoderMs ?? 0))), // upper bound: tokenising included
    ),
    ...(perPrompt[0]!.encoderMs !== undefined && {
      encoder_run_ms_mean: round(mean(perPrompt.map((p) => p.encoderMs!))),
    }),
    decode_step_ms_mean: round(mean(flat((p) => p.steps))),
    decode_tokens_per_s: round(1000 / mean(flat((p) => p.steps)), 1),
    session_run_ms_mean: round(mean(flat((p) => p.runMs))),
    js_between_runs_ms_mean: round(mean(flat((p) => p.gaps))),
  };
  // 2. The prompt's logits at every position (as a graph without num_logits_to_keep computes them).
  let allLogits: { ttft_ms_mean: number } | undefined;
  if (declaresKeep) {
    const ttfts: number[] = [];
    for (const x of inputs) {
      runs.length = 0;
      const t0 = performance.now();
      await pipe(x, { ...callOptions, max_new_tokens: 2, num_logits_to_keep: new Tensor('int64', [0n], []) });
      ttfts.push(runs.find((r) => r.session === decoderName)!.end - t0);
    }
    allLogits = { ttft_ms_mean: round(mean(ttfts)) };
  }
  const io = { inputs: decoder.inputNames, outputs: decoder.outputNames };
  await pipe.dispose();

  // 3. One answer under the profiler.
  const profiled = await load(true);
  await profiled.pipe(inputs[0]!, { ...callOptions, max_new_tokens: Math.min(maxNew, 8) });
  for (const s of Object.values(profiled.pipe.model.sessions)) s.endProfiling();
  await profiled.pipe.dispose();
  const files = readdirSync(out).filter((f) => f.startsWith(basename(profilePrefix)) && f.endsWith('.json'));
  const profiles = files.map((f) => analyse(JSON.parse(readFileSync(join(out, f), 'utf8')) as ProfileEvent[]));
  for (const f of files) renameSync(join(out, f), join(out, `${f}.raw`));
  const result = {
    model: basename(dir),
    dtype,
    last_position_logits_by_carbonlens: !process.env.RAW,
    device,
    task,
    declares_num_logits_to_keep: declaresKeep,
    decoder_io: io,
    timing,
    ...(allLogits && { all_position_logits: allLogits }),
    profiles,
  };
  writeFileSync(
    join(out, `profile-${basename(dir)}-${dtype}${process.env.RAW ? '-raw' : ''}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result));
}

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

/** One profile: its runs in order; for the first (prefill) and a later (decode) run, what ran where. */
function analyse(events: ProfileEvent[]) {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const describe = (run: ProfileEvent) => {
    const inside = nodes.filter((n) => n.ts >= run.ts && n.ts <= run.ts + run.dur);
    const byProvider: Record<string, { nodes: number; us: number }> = {};
    const byOp: Record<string, { nodes: number; us: number; provider: string }> = {};
    for (const n of inside) {
      const provider = (n.args?.provider ?? '?').replace('ExecutionProvider', '');
      const op = n.args?.op_name ?? '?';
      byProvider[provider] = {
        nodes: (byProvider[provider]?.nodes ?? 0) + 1,
        us: (byProvider[provider]?.us ?? 0) + n.dur,
      };
      const key = `${op}@${provider}`;
      byOp[key] = { nodes: (byOp[key]?.nodes ?? 0) + 1, us: (byOp[key]?.us ?? 0) + n.dur, provider };
    }
    const top = Object.entries(byOp)
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 15)
      .map(([k, v]) => ({ op: k, nodes: v.nodes, us: v.us }));
    const cpuOps = Object.entries(byOp)
      .filter(([, v]) => v.provider === 'CPU')
      .map(([k, v]) => `${k.split('@')[0]} x${v.nodes}`);
    const memcpy = Object.entries(byOp)
      .filter(([k]) => k.startsWith('Memcpy'))
      .map(([k, v]) => ({ op: k, nodes: v.nodes, us: v.us }));
    return {
      model_run_us: run.dur,
      nodes: inside.length,
      node_us_sum: inside.reduce((t, n) => t + n.dur, 0),
      by_provider: byProvider,
      memcpy,
      cpu_ops: cpuOps,
      top_ops: top,
    };
  };
  return {
    runs: runs.length,
    run_us: runs.map((r) => r.dur),
    ...(runs[0] && { first_run: describe(runs[0]) }),
    ...(runs.length > 2 && { decode_run: describe(runs[runs.length - 2]!) }),
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
