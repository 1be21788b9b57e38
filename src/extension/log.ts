import * as vscode from 'vscode';

/** The one "CarbonLens" log channel; its level follows VS Code's "Set Log Level". */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('CarbonLens', { log: true });
}
