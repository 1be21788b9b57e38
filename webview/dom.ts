import { gramsText, joulesText } from '../src/core/units';
import type { WebviewMessage } from '../src/protocol';

interface VsCodeApi<State> {
  postMessage(message: WebviewMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** What survives a reload of the page: the user's choices, not the data (the host resends it). */
export interface PageState {
  selectedRunId?: string;
  requestsPerDay: number;
  sort: { key: string; descending: boolean };
  /** The job length the forecast's cleanest window is for. */
  jobHours?: number;
}

export const vscode = acquireVsCodeApi<PageState>();
export const pageState: PageState = {
  requestsPerDay: 100_000,
  sort: { key: 'timestamp', descending: true },
  ...vscode.getState(),
};
export const saveState = () => vscode.setState(pageState);

/** Builds an element; text goes through textContent, never innerHTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

export function button(label: string, attrs: Record<string, string>, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** Parses SVG text we generated ourselves (values escaped) into a node, without innerHTML. */
export function svgNode(text: string): Node {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  return document.importNode(doc.documentElement, true);
}

/** A VS Code theme colour, read when a chart is drawn. */
export const themeColour = (name: string, fallback: string) =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export const fmtJ = (j: number | undefined) => (j === undefined ? '-' : joulesText(j));
export const fmtG = (g: number | undefined) => (g === undefined ? '-' : gramsText(g));
