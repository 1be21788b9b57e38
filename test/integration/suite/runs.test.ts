import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { TrackedRecord } from '../../../src/core/tracking/trackedRecord';
import type { CarbonLensApi } from '../../../src/extension/extension';
import { hostFigures } from '../index';

const EXTENSION_ID = 'carbonlens.carbonlens';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Keeps one core busy for `s` seconds, in its own process. */
const burn = (s: number) => `const e=Date.now()+${s * 1000};let x=0;while(Date.now()<e)x++`;
/** VS Code's built-in .ipynb notebooks, with a kernel of the test's own (no Jupyter here). */
const NOTEBOOK_TYPE = 'jupyter-notebook';

describe('CarbonLens meters runs started from the editor', function () {
  this.timeout(90_000);
  let api: CarbonLensApi;
  const settings = () => vscode.workspace.getConfiguration('carbonlens');

  /** Waits for the next record of `origin` after `seen` records. */
  async function nextRecord(origin: TrackedRecord['origin'], seen: number, ms = 40_000): Promise<TrackedRecord> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = api
        .trackedRuns()
        .slice(seen)
        .find((r) => r.origin === origin);
      if (found) return found;
      assert.ok(
        Date.now() < deadline,
        `no ${origin} run was recorded; recorded: ${JSON.stringify(
          api
            .trackedRuns()
            .slice(seen)
            .map((r) => [r.origin, r.label]),
        )}`,
      );
      await sleep(200);
    }
  }

  function assertMetered(r: TrackedRecord, minSeconds: number) {
    assert.ok(r.durationS >= minSeconds, `duration ${r.durationS}`);
    assert.ok(r.energy.totalJ > 0, `energy ${r.energy.totalJ}`);
    assert.ok(r.energy.components.some((c) => c.component === 'cpu' && c.energyJ > 0));
    assert.ok(['measured', 'sampled', 'estimated'].includes(r.energy.kind));
    assert.equal(r.commandLine, undefined, 'command lines are not stored unless allowed');
    const runsFile = readFileSync(join(api.benchmarkFolder, 'carbonlens-runs.jsonl'), 'utf8');
    assert.ok(runsFile.includes(r.runId), 'saved in the JSONL');
    const csv = readFileSync(join(api.benchmarkFolder, 'emissions.csv'), 'utf8');
    assert.ok(
      csv.split('\n').some((line) => line.includes(r.runId) && line.includes(`${r.origin}:`)),
      'a row in emissions.csv',
    );
  }

  before(async () => {
    api = await vscode.extensions.getExtension<CarbonLensApi>(EXTENSION_ID)!.activate();
    await settings().update('runs.minDurationSeconds', 1, vscode.ConfigurationTarget.Global);
    await settings().update('location', 'us-east-1', vscode.ConfigurationTarget.Global);
    await sleep(6000); // a quiet stretch for the idle baseline
  });

  after(async () => {
    await settings().update('runs.minDurationSeconds', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('location', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a command run in a terminal: one record with its energy, CO2e and the greenest region, but only the executable name', async () => {
    const terminal = vscode.window.createTerminal({ name: 'CarbonLens test', shellPath: '/bin/bash' });
    try {
      const integration =
        terminal.shellIntegration ??
        (await new Promise<vscode.TerminalShellIntegration>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the terminal never reported shell integration')), 30_000);
          const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
            if (e.terminal !== terminal) return;
            clearTimeout(timer);
            sub.dispose();
            resolve(e.shellIntegration);
          });
        }));
      const seen = api.trackedRuns().length;
      integration.executeCommand(`node -e '${burn(3)}' -- --secret-argument`);
      const r = await nextRecord('terminal', seen);
      assertMetered(r, 2.5);
      assert.equal(r.label, 'node');
      assert.equal(r.exitCode, 0);
      assert.ok(r.emissions && r.emissions.grams > 0 && r.emissions.intensity.region === 'us-east-1');
      assert.equal(r.emissions.greenest?.provider, 'aws');
      // Its own share: the shell's and the command's CPU time against the machine's busy time.
      const cpu = r.attribution?.components.find((c) => c.component === 'cpu');
      assert.equal(r.attribution?.method, 'process', JSON.stringify(r.attribution));
      assert.ok(cpu && cpu.share > 0.2 && cpu.share <= 1, `CPU share ${cpu?.share}`);
      assert.ok((r.attribution?.cpuTicks?.run ?? 0) >= 200, 'about 3 s of one core, in clock ticks');
      assert.ok(
        !readFileSync(join(api.benchmarkFolder, 'carbonlens-runs.jsonl'), 'utf8').includes('--secret-argument'),
      );
      hostFigures().terminalRun = `${r.durationS.toFixed(1)} s, ${r.energy.totalJ.toFixed(1)} J (${r.energy.kind}), net ${r.energy.netJ?.toFixed(1) ?? '-'} J, own ${r.attribution?.totalJ.toFixed(1) ?? '-'} J (CPU ${((cpu?.share ?? 0) * 100).toFixed(0)}% of the busy time)`;
    } finally {
      terminal.dispose();
    }
  });

  it('a task: one record, named after the task and its executable', async () => {
    const seen = api.trackedRuns().length;
    const task = new vscode.Task(
      { type: 'shell' },
      vscode.TaskScope.Workspace,
      'burn',
      'carbonlens-test',
      new vscode.ShellExecution(`node -e '${burn(3)}'`),
    );
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Never };
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess(
        (e) => e.execution.task.name === 'burn' && (sub.dispose(), resolve()),
      );
    });
    await vscode.tasks.executeTask(task);
    await ended;
    const r = await nextRecord('task', seen);
    assertMetered(r, 2.5);
    assert.equal(r.label, 'burn (node)');
    // A second record would come from the terminal's command-end event, within a second or two
    // of the task's end: this window is what the absence is checked over.
    await sleep(2000);
    assert.deepEqual(
      api
        .trackedRuns()
        .slice(seen)
        .map((x) => x.origin),
      ['task'],
      'the task is one run, not also a terminal command',
    );
  });

  it('a notebook cell: one record from the cell execution timing, with the cell named', async () => {
    const controller = vscode.notebooks.createNotebookController(
      'carbonlens-test-kernel',
      NOTEBOOK_TYPE,
      'CarbonLens test kernel',
    );
    controller.supportedLanguages = ['javascript'];
    controller.executeHandler = async (cells) => {
      for (const cell of cells) {
        const execution = controller.createNotebookCellExecution(cell);
        execution.start(Date.now());
        // The kernel's work runs in its own process, as a real kernel's does.
        await promisify(execFile)(process.execPath, ['-e', cell.document.getText()]);
        execution.end(true, Date.now());
      }
    };
    try {
      const doc = await vscode.workspace.openNotebookDocument(
        NOTEBOOK_TYPE,
        new vscode.NotebookData([
          new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'console.log("setup")', 'javascript'),
          new vscode.NotebookCellData(vscode.NotebookCellKind.Code, burn(3), 'javascript'),
        ]),
      );
      await vscode.window.showNotebookDocument(doc);
      await vscode.commands.executeCommand('notebook.selectKernel', { id: controller.id, extension: EXTENSION_ID });
      const seen = api.trackedRuns().length;
      await vscode.commands.executeCommand('notebook.cell.execute', {
        ranges: [{ start: 1, end: 2 }],
        document: doc.uri,
      });
      const r = await nextRecord('notebook', seen);
      assertMetered(r, 2.5);
      assert.match(r.label, / cell 2$/);
      assert.equal(r.exitCode, 0);
      // No process is known for a kernel: machine figures, and the record says why.
      assert.deepEqual(r.attribution?.components, []);
      assert.match(r.attribution?.notes[0] ?? '', /notebook kernel does not tell VS Code its process/);
    } finally {
      controller.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('pushes OTLP metrics only once an endpoint is set, with the hardware conventions, and stops when it is cleared', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        bodies.push(`${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      assert.equal(bodies.length, 0, 'nothing is sent before the setting is set');
      // JSON on request (protobuf is the default), so the body can be read here.
      await settings().update('telemetry.otlpProtocol', 'http/json', vscode.ConfigurationTarget.Global);
      await settings().update(
        'telemetry.otlpEndpoint',
        `http://127.0.0.1:${port}/v1/metrics`,
        vscode.ConfigurationTarget.Global,
      );
      // One export every 10 s: wait for the first (deadline 40 s).
      const deadline = Date.now() + 40_000;
      while (!bodies.some((b) => b.includes('"hw.energy"')) && Date.now() < deadline) await sleep(200);
      const body = bodies.find((b) => b.includes('"hw.energy"'));
      assert.ok(body, `no OTLP export with hw.energy: ${bodies.length} request(s)`);
      assert.match(body, /^\/v1\/metrics /);
      assert.match(body, /"unit":"J"/);
      assert.match(body, /"key":"hw\.type","value":\{"stringValue":"(cpu|memory|gpu)"\}/);
      assert.match(body, /"key":"service\.name","value":\{"stringValue":"carbonlens-vscode"\}/);
      assert.match(body, /"key":"carbonlens\.command","value":\{"stringValue":"editor"\}/);
      assert.match(body, /"key":"service\.instance\.id","value":\{"stringValue":"[0-9a-f-]{36}"\}/);
    } finally {
      await settings().update('telemetry.otlpEndpoint', undefined, vscode.ConfigurationTarget.Global);
      await settings().update('telemetry.otlpProtocol', undefined, vscode.ConfigurationTarget.Global);
      server.closeAllConnections();
      server.close();
    }
  });
});
