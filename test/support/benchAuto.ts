// `carbonlens bench --device auto` on a tiny OCR model with a CUDA runtime copy (CARBONLENS_ORT_DIR):
// what the CUDA provider tests run to see that the copy is tried first and the run falls back.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { makeTinyModels } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from './tempDir';

export function benchAutoWithRuntime(runtimeFolder: string, env: Record<string, string> = {}) {
  const root = resolve(__dirname, '../../..');
  const model = makeTinyModels(tempDir('cl-cuda-model-'))['image-to-text'];
  const out = tempDir('cl-cuda-out-');
  const args = [
    'bench',
    '--task',
    'image-to-text',
    '--model',
    model,
    '--device',
    'auto',
    '--samples',
    '2',
    '--idle-ms',
    '0',
  ];
  return spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args, '--out', join(out, 'e.csv'), '--json'], {
    encoding: 'utf8',
    timeout: 90_000,
    // No software Vulkan: after CUDA, the run lands on the CPU.
    env: { ...process.env, CARBONLENS_ORT_DIR: runtimeFolder, VK_ICD_FILENAMES: '/nonexistent.json', ...env },
  });
}
