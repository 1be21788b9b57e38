// One way to own disposables (as vscode-hexeditor's dispose.ts): register them, and dispose()
// releases them once, newest first. Something registered after disposal is released at once.
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  protected isDisposed = false;

  protected register<T extends vscode.Disposable>(...items: T[]): T {
    for (const d of items) {
      if (this.isDisposed) d.dispose();
      else this.owned.push(d);
    }
    return items[0]!;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    while (this.owned.length) this.owned.pop()!.dispose();
  }
}
