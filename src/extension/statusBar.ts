import * as vscode from 'vscode';

export const STATUS_ITEM_ID = 'carbonlens.status';

/** The single status bar item. Short text; the detail lives in the tooltip. */
export class CarbonLensStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
  private running = 0;

  constructor() {
    this.item.name = 'CarbonLens';
    this.item.accessibilityInformation = { label: 'CarbonLens: open the emissions panel', role: 'button' };
    this.item.text = '$(pulse) CarbonLens';
    this.item.command = 'carbonlens.showPanel';
    this.item.tooltip = this.tooltip();
  }

  setVisible(visible: boolean): void {
    if (visible) this.item.show();
    else this.item.hide();
  }

  /** Spins the icon while `work` runs (and until the last of overlapping works ends). */
  async busy<T>(work: Promise<T>): Promise<T> {
    this.running++;
    this.item.text = '$(loading~spin) CarbonLens';
    try {
      return await work;
    } finally {
      if (--this.running === 0) this.item.text = '$(pulse) CarbonLens';
    }
  }

  private tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString(
      '**CarbonLens**: energy and CO2 of ML models on this machine\n\n' +
        '[$(pulse) Open panel](command:carbonlens.showPanel) · ' +
        '[$(server-environment) System info](command:carbonlens.showSystemInfo) · ' +
        '[$(output) Log](command:carbonlens.openLog)',
      true,
    );
    md.isTrusted = { enabledCommands: ['carbonlens.showPanel', 'carbonlens.showSystemInfo', 'carbonlens.openLog'] };
    return md;
  }

  dispose(): void {
    this.item.dispose();
  }
}
