// Which llama.cpp build node-llama-cpp loads here, and the GPU it sees: one JSON line, or why not
// (node-llama-cpp's own warnings go to stderr). bench/llm/gpu-gguf.sh runs it before the benches.
//   node bench/llm/llama-probe.mjs [cuda|vulkan|auto|cpu]
const want = process.argv[2] ?? 'cuda';
const { getLlama } = await import('node-llama-cpp');
try {
  const llama = await getLlama({
    gpu: want === 'cpu' ? false : want,
    build: 'never',
    skipDownload: true,
    progressLogs: true,
  });
  const vram = await llama.getVramState();
  console.log(
    JSON.stringify({
      build: llama.gpu,
      llama_cpp: llama.llamaCppRelease.release,
      devices: await llama.getGpuDeviceNames(),
      vram_total_mib: Math.round(vram.total / 2 ** 20),
    }),
  );
  await llama.dispose();
} catch (e) {
  console.log(JSON.stringify({ build: want, error: String(e) }));
  process.exitCode = 1;
}
