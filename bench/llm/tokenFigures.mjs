// A `carbonlens bench --json` record's generation figures, as the language-model summaries in
// bench/llm write them: tokens in and out, time to first token, decode speed, and the GPU board's
// energy (NVML) per token of the phase that made it (absent where no GPU was metered).

/** A phase's GPU component, if one was metered. */
export const gpuOf = (phase) => phase?.components?.find((c) => c.component === 'gpu');

/** The figures of `g`, a record's `result.generation`. */
export function tokenFigures(g) {
  const decodeGpu = gpuOf(g.decode);
  const prefillGpu = gpuOf(g.prefill);
  return {
    prompts: g.prompts,
    input_tokens: g.inputTokens,
    output_tokens: g.outputTokens,
    decode_tokens: g.decodeTokens,
    ttft_mean_s: g.ttft.meanS,
    decode_tokens_per_s: g.decodeTokensPerS,
    gpu_j_per_output_token: decodeGpu && (decodeGpu.jPerItem * g.prompts) / g.decodeTokens,
    net_gpu_j_per_output_token: decodeGpu && (decodeGpu.netJPerItem * g.prompts) / g.decodeTokens,
    gpu_j_per_input_token: prefillGpu && (prefillGpu.jPerItem * g.prompts) / g.inputTokens,
  };
}
