#!/usr/bin/env node
// `npm run screenshots`: copies the pictures the UI checks took in the last integration run
// (out/test-results/, see test/integration/ui.mjs) over the README's and the guides' copies in
// media/screenshots/, so that they show the current status bar, panel, runs and advisor.
import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const from = join(root, 'out', 'test-results');
const SHOTS = ['status-tooltip.png', 'panel.png', 'tracked-runs.png', 'advisor.png'];

const missing = SHOTS.filter((f) => !existsSync(join(from, f)));
if (missing.length) {
  console.error(
    `screenshots: ${missing.join(', ')} not in out/test-results/: run the integration tests first (npm run test:integration).`,
  );
  process.exit(1);
}
for (const f of SHOTS) copyFileSync(join(from, f), join(root, 'media', 'screenshots', f));
console.log(`screenshots: ${SHOTS.join(', ')} copied to media/screenshots/.`);
