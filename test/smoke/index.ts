// The smoke suite: runs inside the extension host against the CarbonLens a user installed from
// the linux-x64 VSIX (not the source folder): activation, live power in the status bar, a
// tiny-model benchmark through the command, a quick fix. Loaded by test/smoke/runSmoke.mjs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { BenchRecord } from '../../src/core/bench/record';
import type { CarbonLensApi } from '../../src/extension/extension';
import { makeTinyModels } from '../fixtures/tiny-models/make.mjs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function suite(): void {
  describe('CarbonLens installed from its VSIX', function () {
    this.timeout(120_000);
    let ext: vscode.Extension<CarbonLensApi>;
    let api: CarbonLensApi;

    before(async () => {
      const found = vscode.extensions.getExtension<CarbonLensApi>('carbonlens.carbonlens');
      assert.ok(found, 'CarbonLens is not installed');
      ext = found;
      api = await ext.activate();
    });

    it("is the installed copy, with this platform's runtimes and nothing of the sources", () => {
      const installed = process.env.CARBONLENS_SMOKE_EXTENSIONS!;
      assert.ok(ext.extensionPath.startsWith(installed), `${ext.extensionPath} is not under ${installed}`);
      assert.deepEqual(JSON.parse(readFileSync(join(ext.extensionPath, 'dist/platform.json'), 'utf8')), {
        target: `${process.platform}-${process.arch}`,
        nativeRuntimes: true,
      });
      for (const p of [
        'src',
        'test',
        'node_modules',
        'dist/extension.js.map',
        `dist/node_modules/onnxruntime-node/bin/napi-v6/win32`,
      ])
        assert.ok(!existsSync(join(ext.extensionPath, p)), `${p} is in the package`);
      assert.ok(
        existsSync(
          join(
            ext.extensionPath,
            `dist/node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
          ),
        ),
      );
    });

    it('activates without loading anything heavy', () => {
      assert.deepEqual(
        api.activation.modulesLoaded.filter((m) => /onnxruntime|sharp|transformers|koffi|systeminformation/.test(m)),
        [],
      );
    });

    it('shows live power in the status bar', async () => {
      const deadline = Date.now() + 20_000;
      while (api.status().updates < 1 && Date.now() < deadline) await sleep(200);
      assert.match(api.status().text, /\$\(pulse\) \d+(\.\d)? W/);
    });

    it('benchmarks a tiny model through its command, in a child process that loads the packaged runtimes', async () => {
      const models = makeTinyModels(mkdtempSync(join(tmpdir(), 'cl-smoke-models-')));
      const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
        task: 'image-to-text',
        model: models['image-to-text'],
        device: 'cpu',
        samples: 4,
        idleMs: 0,
      });
      assert.ok(records?.length === 1, 'the benchmark returned nothing: see the CarbonLens log');
      assert.equal(records[0].result.device, 'cpu');
      assert.ok(readFileSync(join(api.benchmarkFolder, 'emissions.csv'), 'utf8').includes(records[0].runId));
    });

    it('offers a quick fix on a model id, and applying it rewrites the file', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cl-smoke-yaml-')), 'deploy.yaml');
      writeFileSync(file, 'model: google/vit-base-patch16-384\n');
      const uri = vscode.Uri.file(file);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const deadline = Date.now() + 20_000;
      let found: vscode.Diagnostic[] = [];
      while (found.length === 0 && Date.now() < deadline) {
        found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'CarbonLens');
        await sleep(100);
      }
      assert.equal(found.length, 1);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        found[0].range,
      );
      const fix = actions.find((a) => a.edit && a.title.startsWith('Replace with google/vit-base-patch16-224'));
      assert.ok(fix?.edit, `actions: ${actions.map((a) => a.title).join(' | ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.equal(doc.lineAt(0).text, 'model: google/vit-base-patch16-224');
    });
  });
}

/** The extension host's test entry point. */
export function run(): Promise<void> {
  const log = (...args: unknown[]) => console.log(format(...args).replace(/^/gm, '[host] '));
  Mocha.reporters.Base.consoleLog = log;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'smoke', mocha);
  suite();
  return new Promise((resolve, reject) => {
    const failures: string[] = [];
    const runner = mocha.run((failed) => {
      const out = process.env.CARBONLENS_TEST_RESULTS;
      if (out)
        writeFileSync(
          out,
          JSON.stringify({
            host: `${vscode.env.appName} ${vscode.version}`,
            passed: runner.stats?.passes ?? 0,
            failed,
            failures,
            figures: {},
          }),
        );
      if (failed > 0) reject(new Error(`${failed} test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, err) => failures.push(`${test.fullTitle()}: ${(err as Error).message}`));
  });
}
