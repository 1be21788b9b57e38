import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../../support/waitFor';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'CarbonLens');

async function diagnostics(uri: vscode.Uri, count: number): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `${count} CarbonLens diagnostics in ${uri.path}`,
    () => (ours(uri).length >= count ? ours(uri) : undefined),
    20_000,
  );
}

/** Waits until the file's CarbonLens diagnostics are exactly `expected` (as `key` maps them). */
async function settlesTo(uri: vscode.Uri, key: (d: vscode.Diagnostic) => unknown, expected: unknown[]) {
  const same = () => JSON.stringify(ours(uri).map(key)) === JSON.stringify(expected);
  await waitFor(`diagnostics ${JSON.stringify(expected)}`, same, 20_000).catch(() =>
    assert.deepEqual(ours(uri).map(key), expected),
  );
}

describe('CarbonLens advisor in the editor', function () {
  this.timeout(60_000);
  const folder = () => vscode.workspace.workspaceFolders![0].uri;

  before(async () => {
    await vscode.extensions.getExtension('carbonlens.carbonlens')!.activate();
  });

  afterEach(async () => {
    // Leave the demo workspace's files as they are on disk.
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('marks the model and the region in an opened YAML file, and the quick fix rewrites them in place', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'deploy.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const found = await diagnostics(uri, 2);
    assert.deepEqual(
      found.map((d) => [d.range.start.line, d.range.start.character, doc.getText(d.range)]),
      [
        [1, 7, 'google/vit-base-patch16-384'],
        [4, 10, 'asia-south1'],
      ],
    );
    assert.equal(found[0].severity, vscode.DiagnosticSeverity.Information);
    // 86 M parameters either way: the saving is the input resolution, not the size.
    assert.equal((found[0].code as { value: string }).value, 'cheaper-model');
    // The code links to the advisor's guide, which exists under that anchor (and ships: .vscodeignore).
    const target = (found[0].code as { target: vscode.Uri }).target;
    assert.equal(target.fragment, 'what-it-reads-and-suggests');
    assert.match(readFileSync(target.fsPath, 'utf8'), /^## What it reads and suggests$/m);
    assert.match(
      found[0].message,
      /^google\/vit-base-patch16-224: 68% vs 61% top-1 accuracy for google\/vit-base-patch16-384 \(CIFAR-10, 100 images, the study\): the suggestion is better\. Input resolution 224 vs 384; 69% less energy in the study\.$/,
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      found[1].range,
    );
    const fix = actions.find((a) => a.title.startsWith('Replace with asia-south2'));
    assert.ok(fix?.edit, `actions: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.lineAt(4).text, '  region: asia-south2');
    // The edit re-scans the file: the region is clean now, the model is still flagged.
    await settlesTo(uri, (d) => d.range.start.line, [1]);
  });

  it('keeps the quotes of a Python string, and offers to compare the two models on this machine', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'classify.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const [d] = await diagnostics(uri, 1);
    assert.ok(d, 'a diagnostic on the model id');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
    );
    const compare = actions.find((a) => a.title.startsWith('Compare '));
    assert.deepEqual(compare?.command?.arguments, [
      { task: 'image-classification', model: 'Xenova/vit-base-patch16-384', candidate: 'Xenova/vit-base-patch16-224' },
    ]);
    assert.ok(await vscode.workspace.applyEdit(actions.find((a) => a.isPreferred)!.edit!));
    assert.match(doc.lineAt(2).text, /model="google\/vit-base-patch16-224"\)$/);
  });

  it('shows the evidence and its sources on hover', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'deploy.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await diagnostics(uri, 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(1, 12),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    // VS Code shows the diagnostic's sentence in the same hover: ours does not say it again.
    const here = diags.find((d) => d.range.contains(new vscode.Position(1, 12)));
    assert.ok(here, 'a diagnostic under the hover');
    assert.ok(!text.includes(here.message), text);
    assert.match(text, /Evidence: \*\*published\*\*/);
    assert.match(text, /top-1 accuracy %: 68 for google\/vit-base-patch16-224 vs 61 for google\/vit-base-patch16-384/);
    assert.match(text, /69% less energy in the study/);
    assert.match(
      text,
      /Sources: Reducing Carbon Footprint of AI Models Without Compromising Performance \(GREEN 2023\), Table III; \[ViT paper \(arXiv:2010\.11929\), Table 1\]\(https:\/\/arxiv\.org\/abs\/2010\.11929\)\n/,
    );
  });

  it('reads the code cells of an opened notebook as Python', async () => {
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder(), 'explore.ipynb'));
    const code = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code)!;
    const markdown = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Markup)!;
    const [d] = await diagnostics(code.document.uri, 1);
    assert.ok(d, 'a diagnostic in the code cell');
    assert.equal(code.document.getText(d.range), 'facebook/bart-large-cnn');
    assert.equal(
      vscode.languages.getDiagnostics(markdown.document.uri).filter((x) => x.source === 'CarbonLens').length,
      0,
      'Markdown cells are prose',
    );
  });

  it('honours the settings: regions off, then ignored paths', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'deploy.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await diagnostics(uri, 2);
    const advisor = vscode.workspace.getConfiguration('carbonlens.advisor');
    try {
      await advisor.update('regions.enabled', false, vscode.ConfigurationTarget.Global);
      await settlesTo(uri, (d) => (d.code as { value: string }).value, ['cheaper-model']);
      await advisor.update('ignore', [join('**', 'deploy.yaml')], vscode.ConfigurationTarget.Global);
      await settlesTo(uri, (d) => d.code, []);
    } finally {
      await advisor.update('regions.enabled', undefined, vscode.ConfigurationTarget.Global);
      await advisor.update('ignore', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
