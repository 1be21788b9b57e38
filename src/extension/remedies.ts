// Shows a catalogued message (src/core/messages.ts) in the editor's voice: the sentence names the
// editor's settings and commands, and each remedy is a button that does it.
import * as vscode from 'vscode';
import { type EditorControl, type MessageRef, type RetryChoices, voices } from '../core/messages';

export interface RemedyHandlers {
  /** The same run again with one choice changed (a benchmark's dtype, device, sample size or quantisation). */
  retry?: (set: RetryChoices) => unknown;
  /** A folder or file picked in place of what failed (a model, an evaluation set). */
  pickFolder?: (what: 'model' | 'dataset') => unknown;
}

/** The message as an error notification with its controls (those the caller can act on) and any `extra` buttons. */
export async function showRemedy(
  ref: MessageRef,
  handlers: RemedyHandlers = {},
  extra: string[] = [],
): Promise<string | undefined> {
  const v = voices(ref);
  const usable = v.controls.filter(
    (c) =>
      ((c.kind !== 'retry' && c.kind !== 'pickQuant') || handlers.retry) &&
      (c.kind !== 'pickFolder' || handlers.pickFolder),
  );
  const pick = await vscode.window.showErrorMessage(
    `CarbonLens: ${v.detail} ${v.editor}`,
    ...usable.map((c) => c.label),
    ...extra,
  );
  const control = usable.find((c) => c.label === pick);
  if (control) await act(control, handlers);
  return pick;
}

async function act(control: EditorControl, handlers: RemedyHandlers): Promise<void> {
  switch (control.kind) {
    case 'command':
      await vscode.commands.executeCommand(control.command);
      return;
    case 'open':
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(control.path));
      return;
    case 'setting':
      await vscode.commands.executeCommand('workbench.action.openSettings', control.setting);
      return;
    case 'pickFolder':
      await handlers.pickFolder?.(control.for);
      return;
    case 'retry':
      await handlers.retry?.(control.set);
      return;
    case 'pickQuant': {
      const quant = await vscode.window.showQuickPick(control.quants, {
        title: 'CarbonLens: which quantisation?',
        ignoreFocusOut: true,
      });
      if (quant) await handlers.retry?.({ quant });
      return;
    }
  }
}
