// One shape for the errors a person reads, at every boundary where outside input comes in (a
// hub, a feed, a live service, a model folder, an evaluation set): what kind of thing failed,
// a message that names it (a file, a host, a line), and what to do about it. JavaScript's own
// error texts ("Cannot read properties of null") never reach a person through one of these.
export class UserError extends Error {
  constructor(
    message: string,
    /** What failed, for callers that act on it: 'network', 'http', 'dataset', 'model-file', ... */
    readonly kind: string,
    /** What to do, when the message does not already end by saying it. */
    readonly remedy?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The kind, message and remedy of any error: a UserError's own, else the error's message as an 'internal' one. */
export function describeError(e: unknown): { kind: string; message: string; remedy?: string } {
  // A catalogued error (src/core/messages.ts) carries a MessageRef there instead, its remedy already in the message.
  if (e instanceof UserError)
    return { kind: e.kind, message: e.message, ...(typeof e.remedy === 'string' && e.remedy && { remedy: e.remedy }) };
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) };
}
