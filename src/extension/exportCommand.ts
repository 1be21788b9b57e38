// CarbonLens: Export Report: the benchmark history as CodeCarbon CSV, JSON, or a Markdown
// report with one SVG chart per task (files beside it), for a pull request.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { markdownReport } from '../core/report/markdownReport';
import { EXPORT_FORMATS, type ExportFormat } from '../protocol';
import type { BenchStore } from './benchStore';

const NAMES: Record<ExportFormat, string> = {
  csv: 'emissions.csv',
  json: 'carbonlens-runs.json',
  markdown: 'carbonlens-report.md',
};
const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  csv: { 'CSV (CodeCarbon)': ['csv'] },
  json: { JSON: ['json'] },
  markdown: { Markdown: ['md'] },
};

export async function exportReportCommand(
  store: BenchStore,
  format?: ExportFormat,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const { records } = await store.records();
  if (records.length === 0) {
    const pick = await vscode.window.showInformationMessage('CarbonLens: no benchmark to export yet.', 'Run Benchmark');
    if (pick) void vscode.commands.executeCommand('carbonlens.runBenchmark');
    return undefined;
  }
  const chosen =
    format ??
    (
      await vscode.window.showQuickPick(
        EXPORT_FORMATS.map((f) => ({
          label: f,
          description: {
            csv: "CodeCarbon's 38 columns",
            json: 'every run, every figure',
            markdown: 'tables and SVG charts, for a pull request',
          }[f],
        })),
        { title: 'CarbonLens: export as' },
      )
    )?.label;
  if (!chosen) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      defaultUri: folder && vscode.Uri.joinPath(folder, NAMES[chosen]),
      filters: FILTERS[chosen],
      title: 'Export CarbonLens report',
    }));
  if (!uri) return undefined;
  const write = (u: vscode.Uri, text: string) => vscode.workspace.fs.writeFile(u, new TextEncoder().encode(text));
  if (chosen === 'csv') await write(uri, await readFile(store.csv, 'utf8'));
  else if (chosen === 'json') await write(uri, JSON.stringify(records, null, 2));
  else {
    const base = uri.path.split('/').pop()!.replace(/\.md$/i, '');
    const report = markdownReport(records, `${base}-chart`);
    await write(uri, report.markdown);
    for (const [name, svg] of Object.entries(report.charts)) await write(vscode.Uri.joinPath(uri, '..', name), svg);
  }
  void vscode.window
    .showInformationMessage(`CarbonLens: exported ${records.length} run(s) to ${uri.fsPath}.`, 'Open')
    .then((p) => p && vscode.window.showTextDocument(uri));
  return uri;
}
