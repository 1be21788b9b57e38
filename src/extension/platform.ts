// Which package this is: scripts/package.mjs writes dist/platform.json into each VSIX. A
// development checkout has none (its node_modules has everything).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackagePlatform {
  target: string;
  nativeRuntimes: boolean;
}

export function packagePlatform(distDir: string): PackagePlatform | undefined {
  try {
    const p = JSON.parse(readFileSync(join(distDir, 'platform.json'), 'utf8')) as Partial<PackagePlatform>;
    return typeof p.target === 'string' && typeof p.nativeRuntimes === 'boolean'
      ? { target: p.target, nativeRuntimes: p.nativeRuntimes }
      : undefined;
  } catch {
    return undefined;
  }
}
