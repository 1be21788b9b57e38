// A fake Ollama store for tests: manifests/registry.ollama.ai/library/NAME/TAG naming a model
// layer, and the GGUF as blobs/sha256-<hex>, as `ollama pull` leaves them.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `models`: name -> tag -> GGUF bytes. Returns the store's folder (what OLLAMA_MODELS names). */
export function fakeOllamaStore(dir: string, models: Record<string, Record<string, Buffer>>): string {
  mkdirSync(join(dir, 'blobs'), { recursive: true });
  for (const [name, tags] of Object.entries(models)) {
    const folder = join(dir, 'manifests', 'registry.ollama.ai', 'library', name);
    mkdirSync(folder, { recursive: true });
    for (const [tag, gguf] of Object.entries(tags)) {
      const hex = createHash('sha256').update(gguf).digest('hex');
      writeFileSync(join(dir, 'blobs', `sha256-${hex}`), gguf);
      const config = Buffer.from(JSON.stringify({ model_format: 'gguf', model_family: 'llama' }));
      const configHex = createHash('sha256').update(config).digest('hex');
      writeFileSync(join(dir, 'blobs', `sha256-${configHex}`), config);
      writeFileSync(
        join(folder, tag),
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            digest: `sha256:${configHex}`,
            size: config.length,
          },
          layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: gguf.length }],
        }),
      );
    }
  }
  return dir;
}
