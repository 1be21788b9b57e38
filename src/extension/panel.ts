import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import { parseWebviewMessage, streamOf, type HostMessage, type WebviewMessage } from '../protocol';

export const PANEL_VIEW_TYPE = 'carbonlens.panel';

/** What the page sent, plus `shown` when the panel comes back on screen. */
export type PanelListener = (message: WebviewMessage | { type: 'shown' }, panel: CarbonLensPanel) => void;

/** Where the panel's files come from: the extension's, and where benchmark images are kept. */
export interface PanelRoots {
  extensionUri: vscode.Uri;
  /** The generated images of text-to-image benchmarks: the only files outside the extension it may show. */
  imagesRoot: vscode.Uri;
}

const webviewOptions = ({
  extensionUri,
  imagesRoot,
}: PanelRoots): vscode.WebviewOptions & vscode.WebviewPanelOptions => ({
  enableScripts: true,
  localResourceRoots: [
    vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
    vscode.Uri.joinPath(extensionUri, 'media'),
    imagesRoot,
  ],
});

/**
 * The CarbonLens panel. One at a time (PanelController keeps it). Each stream's message
 * (intensity, system, runs, ...) is sent once when it changes; while the panel is hidden only the
 * latest of each is kept and sent when it is shown again, so a hidden panel does no work. A page
 * that loads anew gets them all.
 */
export class CarbonLensPanel extends Disposable {
  private readonly latest = new Map<string, HostMessage>();
  /** Streams whose latest message the page has not seen. */
  private readonly pending = new Set<string>();
  private ready = false;

  /** A new panel, in the active column. */
  static create(roots: PanelRoots, onMessage: PanelListener, onDisposed: () => void): CarbonLensPanel {
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'CarbonLens',
      vscode.ViewColumn.Active,
      webviewOptions(roots),
    );
    return new CarbonLensPanel(panel, roots.extensionUri, onMessage, onDisposed);
  }

  /** After a window reload, VS Code hands back the panel it had open. */
  static adopt(
    panel: vscode.WebviewPanel,
    roots: PanelRoots,
    onMessage: PanelListener,
    onDisposed: () => void,
  ): CarbonLensPanel {
    panel.webview.options = webviewOptions(roots);
    return new CarbonLensPanel(panel, roots.extensionUri, onMessage, onDisposed);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** A local file as the page may load it (only under the allowed roots). */
  asWebviewUri(file: vscode.Uri): vscode.Uri {
    return this.panel.webview.asWebviewUri(file);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly onMessage: PanelListener,
    private readonly onDisposed: () => void,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    panel.webview.html = renderHtml(panel.webview, extensionUri);
    this.register(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (this.visible) this.onMessage({ type: 'shown' }, this);
        this.flush();
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (!message) return; // Anything else did not come from our page: ignore it.
        if (message.type === 'ready') {
          // A page that (re)loads has nothing: everything is new to it.
          this.ready = true;
          for (const stream of this.latest.keys()) this.pending.add(stream);
          this.flush();
        }
        this.onMessage(message, this);
      }),
    );
  }

  /** Whether the panel has something to show (it is replayed when the page reloads). */
  get hasState(): boolean {
    return this.latest.size > 0;
  }

  /** Ready and on screen: what is posted now is seen now. */
  get visible(): boolean {
    return this.ready && this.panel.visible;
  }

  post(message: HostMessage): void {
    const stream = streamOf(message);
    if (stream === undefined) {
      if (this.visible) void this.panel.webview.postMessage(message);
      return;
    }
    const before = this.latest.get(stream);
    this.latest.set(stream, message);
    if (before && !this.pending.has(stream) && JSON.stringify(before) === JSON.stringify(message)) return;
    this.pending.add(stream);
    this.flush();
  }

  private flush(): void {
    if (!this.visible) return;
    for (const stream of this.pending) void this.panel.webview.postMessage(this.latest.get(stream));
    this.pending.clear();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.onDisposed();
    super.dispose();
    this.panel.dispose();
  }
}

function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const chartStyle = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${chartStyle}">
<link rel="stylesheet" href="${style}">
<title>CarbonLens</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
