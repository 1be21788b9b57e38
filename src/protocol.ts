/**
 * Messages between the extension and the panel's webview: one discriminated union per
 * direction, and a validator for what the webview sends (its content is never trusted).
 */
import type { IntensityFigure } from './core/carbon/intensity';
import type { SystemReport } from './core/system/report';

/** Extension -> webview. */
export type HostMessage =
  | { type: 'system'; report: SystemReport }
  | { type: 'systemLoading' }
  | { type: 'systemError'; message: string }
  /** The grid intensity in use, or why there is none (`location: ''` when none is set). */
  | { type: 'intensity'; location: string; figure?: IntensityFigure; problem?: string };

/** Which stream a message belongs to: a hidden panel keeps the latest message of each. */
export function streamOf(message: HostMessage): 'system' | 'intensity' {
  return message.type === 'intensity' ? 'intensity' : 'system';
}

/** Webview -> extension. */
export type WebviewMessage = { type: 'ready' } | { type: 'refreshSystem' } | { type: 'setLocation' };

const WEBVIEW_MESSAGE_TYPES: ReadonlySet<string> = new Set<WebviewMessage['type']>(['ready', 'refreshSystem', 'setLocation']);

/** Returns the message when it is one the webview may send, else undefined. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { type } = raw as { type?: unknown };
  if (typeof type !== 'string' || !WEBVIEW_MESSAGE_TYPES.has(type)) return undefined;
  // No message carries a payload: rebuild it so nothing else crosses the boundary.
  return { type } as WebviewMessage;
}
