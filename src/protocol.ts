/**
 * Messages between the extension and the panel's webview: one discriminated union per
 * direction, and a validator for what the webview sends (its content is never trusted).
 */
import type { SystemReport } from './core/system/report';

/** Extension -> webview. */
export type HostMessage =
  | { type: 'system'; report: SystemReport }
  | { type: 'systemLoading' }
  | { type: 'systemError'; message: string };

/** Webview -> extension. */
export type WebviewMessage = { type: 'ready' } | { type: 'refreshSystem' };

const WEBVIEW_MESSAGE_TYPES: ReadonlySet<string> = new Set<WebviewMessage['type']>(['ready', 'refreshSystem']);

/** Returns the message when it is one the webview may send, else undefined. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { type } = raw as { type?: unknown };
  if (typeof type !== 'string' || !WEBVIEW_MESSAGE_TYPES.has(type)) return undefined;
  // Neither message carries a payload: rebuild it so nothing else crosses the boundary.
  return { type } as WebviewMessage;
}
