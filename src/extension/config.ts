import * as vscode from 'vscode';

export interface CarbonLensConfig {
  readonly statusBarEnabled: boolean;
}

export function readConfig(): CarbonLensConfig {
  const c = vscode.workspace.getConfiguration('carbonlens');
  return Object.freeze({ statusBarEnabled: c.get<boolean>('statusBar.enabled', true) });
}

/** Calls `onChange` with a fresh config only when a `carbonlens.*` setting changed. */
export function watchConfig(onChange: (config: CarbonLensConfig) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('carbonlens')) onChange(readConfig());
  });
}
