// Runs inside the VS Code extension host (code-server or desktop VS Code, see runTests.mjs).
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export interface HostSuiteResult {
  host: string;
  passed: number;
  failed: number;
  failures: string[];
  /** Figures the suites want the outer runner to print (activation time...). */
  figures: Record<string, unknown>;
}

/**
 * Suites put figures here; the outer runner prints them. Each suite is its own bundle, so the
 * object lives on globalThis rather than in a module both would copy.
 */
export function hostFigures(): Record<string, unknown> {
  const g = globalThis as { carbonlensTestFigures?: Record<string, unknown> };
  return (g.carbonlensTestFigures ??= {});
}

export function run(): Promise<void> {
  // The outer runner picks our lines out of the workbench's log by their prefix; formatting
  // here also keeps the web host from printing raw '%s' arguments.
  const log = (...args: unknown[]) => console.log(format(...args).replace(/^/gm, '[host] '));
  Mocha.reporters.Base.consoleLog = log;
  // CARBONLENS_TEST_GREP runs only the tests whose titles match (while working on one).
  const grep = process.env.CARBONLENS_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', ...(grep && { grep }) });
  const suiteDir = path.join(__dirname, 'suite');
  for (const file of readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(suiteDir, file));
  const host = `${vscode.env.appName} ${vscode.version} (uiKind ${vscode.UIKind[vscode.env.uiKind]}, Node ${process.version})`;
  log(`extension host: ${host}`);
  return new Promise((resolve, reject) => {
    const failures: string[] = [];
    const runner = mocha.run((failed) => {
      const passed = runner.stats?.passes ?? 0;
      const result: HostSuiteResult = { host, passed, failed, failures, figures: hostFigures() };
      const out = process.env.CARBONLENS_TEST_RESULTS;
      if (out) writeFileSync(out, JSON.stringify(result, null, 2));
      if (failed > 0) reject(new Error(`${failed} test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, err) => failures.push(`${test.fullTitle()}: ${(err as Error).message}`));
  });
}
