import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CarbonLensApi } from '../../../src/extension/extension';
import type { SystemReport } from '../../../src/core/system/report';
import { waitFor } from '../../support/waitFor';
import { hostFigures } from '../index';

const EXTENSION_ID = 'carbonlens.carbonlens';

describe('CarbonLens in a real VS Code extension host', () => {
  let api: CarbonLensApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<CarbonLensApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this host`);
    api = await ext.activate();
  });

  it('activates and reports its activation cost', () => {
    assert.ok(
      Number.isFinite(api.activation.durationMs) && api.activation.durationMs > 0,
      `activation took ${api.activation.durationMs} ms`,
    );
    hostFigures().activationMs = Number(api.activation.durationMs.toFixed(2));
    hostFigures().modulesLoadedDuringActivation = api.activation.modulesLoaded;
  });

  it('loads no heavy or native module at activation, and never a model runtime in the host', () => {
    const heavy =
      /onnxruntime-node|[\\/]sharp[\\/]|@huggingface[\\/]transformers|[\\/]koffi[\\/]|systeminformation|meter\.js/;
    assert.deepEqual(
      api.activation.modulesLoaded.filter((m) => heavy.test(m)),
      [],
    );
    // The meter (with koffi, for NVML) opens after activation; models only ever run in a child.
    const runtimes = /onnxruntime-node|[\\/]sharp[\\/]|@huggingface[\\/]transformers|systeminformation/;
    assert.deepEqual(
      Object.keys(require.cache).filter((m) => runtimes.test(m)),
      [],
      'model runtimes in the host',
    );
  });

  it('registers every command it contributes', async () => {
    const contributed: { command: string }[] =
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 3);
    for (const { command } of contributed) assert.ok(registered.has(command), `${command} is not registered`);
  });

  it('Show System Info reads the machine in a child process and returns the report', async () => {
    const report = await vscode.commands.executeCommand<SystemReport>('carbonlens.showSystemInfo');
    assert.ok(report, 'the command returned nothing: see the CarbonLens log');
    assert.ok(report.inventory.cpu.logicalCores >= 1);
    assert.ok(report.inventory.memory.totalBytes > 0);
    assert.deepEqual(report.sources.map((s) => s.name).sort(), ['nvidia-smi', 'nvml', 'rapl']);
    // systeminformation ran in the child, not in this process.
    assert.ok(!Object.keys(require.cache).some((m) => m.includes('systeminformation')));
  });

  it('turns carbonlens.location into a grid intensity with its source and year, and says when it is unknown', async () => {
    const settings = vscode.workspace.getConfiguration('carbonlens');
    const set = async (value: string | undefined) => {
      const changed = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeConfiguration(
          (e) => e.affectsConfiguration('carbonlens.location') && (sub.dispose(), resolve()),
        );
      });
      await settings.update('location', value, vscode.ConfigurationTarget.Global);
      await changed;
    };
    try {
      assert.deepEqual(
        await api.gridIntensity(),
        { location: '' },
        'no location set: unknown, never a guessed country',
      );
      await set('us-west4-a');
      const state = await api.gridIntensity();
      assert.deepEqual([state.figure?.region, state.figure?.year, state.figure?.dataset], ['us-west4', 2024, 'latest']);
      assert.match(state.figure!.source, /region-carbon-info/);
      await set('Oregon');
      assert.match((await api.gridIntensity()).problem!, /matches 3 places/);
    } finally {
      await settings.update('location', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('opens the panel as the active editor tab, and once only', async () => {
    const panelTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('carbonlens.panel'));
    try {
      await vscode.commands.executeCommand('carbonlens.showPanel');
      await vscode.commands.executeCommand('carbonlens.showPanel');
      const tabs = await waitFor('the panel tab', () => (panelTabs().length ? panelTabs() : undefined));
      assert.equal(tabs.length, 1, 'a second Show reveals the same panel');
      assert.equal(tabs[0].label, 'CarbonLens');
      assert.ok(tabs[0].isActive);
    } finally {
      await vscode.window.tabGroups.close(panelTabs());
    }
  });
});
