// Metadata answers (a hub's file listing, a NuGet index, a live intensity) are small: read them
// with a cap on size and a limit on time, so that a peer that streams without end or drips a
// byte a second costs a clean error naming the host and the limit, never memory or a hang.
// One way to read such an answer: `timeLimit` for the request's signal, `readJson` for its body.
import { UserError } from './userError';

/** A few MB and half a minute: far above any real listing, index or intensity answer. */
export const METADATA_LIMITS = { bytes: 8 * 1024 * 1024, ms: 30_000 };

export class BoundedReadError extends UserError {
  declare readonly kind: 'too-large' | 'timeout' | 'not-json' | 'network';
  constructor(message: string, kind: BoundedReadError['kind']) {
    super(message, kind);
  }
}

/** A signal that aborts after `ms`, or with `signal`: give it to fetch and to readJson. */
export function timeLimit(ms: number, signal?: AbortSignal): AbortSignal {
  const limit = AbortSignal.timeout(ms);
  return Object.defineProperty(signal ? AbortSignal.any([signal, limit]) : limit, 'limitMs', { value: ms });
}

/** Whether `signal` (from timeLimit) fired because its time ran out. */
export const timedOut = (signal: AbortSignal | null | undefined): boolean =>
  Boolean(signal?.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError');

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

const size = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;

/**
 * The body of `res` parsed as JSON, at most `maxBytes`, before `signal` (from timeLimit) fires.
 * A UTF-8 byte order mark is allowed. Errors name the host of `url` and the limit passed.
 */
export async function readJson(
  res: Response,
  url: string,
  signal: AbortSignal,
  maxBytes = METADATA_LIMITS.bytes,
): Promise<unknown> {
  const host = hostOf(url);
  const limitMs = (signal as AbortSignal & { limitMs?: number }).limitMs;
  const late = () =>
    new BoundedReadError(
      `${host} did not finish its answer within ${limitMs === undefined ? 'the time limit' : `${limitMs / 1000} s`}.`,
      'timeout',
    );
  const declared = Number(res.headers.get('content-length'));
  const tooLarge = () =>
    new BoundedReadError(
      `${host} sent an answer larger than ${size(maxBytes)}, the limit for metadata: stopped.`,
      'too-large',
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  if (res.body) {
    const reader = res.body.getReader();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) break;
        received += value.byteLength;
        if (received > maxBytes) throw tooLarge();
        chunks.push(value);
      }
    } catch (e) {
      reader.cancel().catch(() => {});
      if (e instanceof BoundedReadError) throw e;
      if (timedOut(signal)) throw late();
      if (signal.aborted) throw e;
      throw new BoundedReadError(`${host} broke off its answer (${(e as Error).message}).`, 'network');
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    throw new BoundedReadError(
      `${host} sent an answer that is not JSON${/^\s*</.test(text) ? ' (an HTML page: check the address)' : ''}.`,
      'not-json',
    );
  }
}
