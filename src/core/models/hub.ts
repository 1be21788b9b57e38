// A client for the Hugging Face hub's file protocol (the one huggingface_hub speaks): list a
// revision's files, HEAD each for its size and etag, download with resume into a local folder,
// check every byte against the etag, and serve that folder offline afterwards.
//   GET  {endpoint}/api/{models|datasets}/{id}/revision/{rev}   -> { sha, siblings: [{ rfilename }] }
//   HEAD {endpoint}/[datasets/]{id}/resolve/{rev}/{path}        -> X-Linked-Size/X-Linked-Etag (LFS) or ETag/Content-Length
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomically } from '../atomicWrite';
import { UserError } from '../userError';
import { BoundedReadError, METADATA_LIMITS, readJson, timedOut, timeLimit } from '../boundedJson';
import { tryLock } from '../fileLock';
import { withRemedy } from '../messages';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubOptions {
  /** HF_ENDPOINT: the hub or a mirror. */
  endpoint?: string;
  /** HF_TOKEN: sent to the endpoint only, for gated and private repositories. */
  token?: string;
  /** Root of the cache; repositories land in `<cacheDir>/models/<id>` and `<cacheDir>/datasets/<id>`. */
  cacheDir: string;
  /** Never touch the network: serve from the cache or fail saying so. */
  offline?: boolean;
  /** A download that receives nothing for this long stops (resumable); default 60 s. */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RepoRef {
  id: string;
  type: 'model' | 'dataset';
  revision?: string;
}

export interface RemoteFile {
  path: string;
  size: number;
  etag: string;
}

export interface DownloadPlan {
  repo: RepoRef;
  folder: string;
  commit?: string;
  files: RemoteFile[];
  totalBytes: number;
  /** Bytes still to fetch: files not in the cache, less what partial files already hold. */
  missingBytes: number;
}

export interface DownloadProgress {
  file: string;
  doneBytes: number;
  missingBytes: number;
}

export type HubErrorKind =
  | 'not-found'
  | 'unauthorized'
  | 'gated'
  | 'offline'
  | 'network'
  | 'integrity'
  | 'cancelled'
  | 'declined'
  | 'busy'
  | 'http';

export class HubError extends UserError {
  declare readonly kind: HubErrorKind;
  /** What was being fetched, where the caller said (hubParquet.ts: a dataset); else a model. */
  subject?: 'model' | 'dataset';
  constructor(message: string, kind: HubErrorKind) {
    super(message, kind);
    this.name = 'HubError';
  }
}

/** Which files of a repository to fetch: `required` fail the download when absent. */
export interface FileSelection {
  required: string[];
  optional?: string[];
}

export interface SnapshotOptions {
  /** Asked before any byte is downloaded, with the plan's size; false stops with `declined`. */
  confirm?: (plan: DownloadPlan) => Promise<boolean>;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface Snapshot {
  folder: string;
  commit?: string;
  /** Where the files came from this time. */
  from: 'network' | 'cache' | 'cache-offline';
  downloadedBytes: number;
}

interface Manifest {
  commit?: string;
  files: Record<string, { size: number; etag: string }>;
}

export const MANIFEST = '.carbonlens-manifest.json';
const IDLE_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;

/**
 * A repository path as the hub lists it, safe to join to a folder: relative, '/'-separated, no
 * '.' or '..' segment, no backslash or NUL. A listing is untrusted input (HF_ENDPOINT, a mirror).
 */
export function isSafeRepoPath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    path.length > 0 &&
    path.length <= 1024 &&
    !/[\\\0]/.test(path) &&
    path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
  );
}

/** `target` resolved lies strictly inside `folder`. */
export function isInside(folder: string, target: string): boolean {
  const rel = relative(resolve(folder), resolve(target));
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}

/** Same scheme, host and port: where a token may go. A string prefix is not enough. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** An endpoint as it may be shown: user and password removed. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export class HubClient {
  readonly endpoint: string;
  /** The endpoint as messages show it, without credentials. */
  private readonly shown: string;
  private readonly fetchFn: typeof fetch;

  /** `user:password@` of the endpoint, sent as Basic authentication where no token is set. */
  private readonly basic: string | undefined;

  constructor(private readonly options: HubOptions) {
    const given = (options.endpoint || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
    this.shown = displayUrl(given);
    let basic: string | undefined;
    try {
      const u = new URL(given);
      if (u.username || u.password)
        basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    } catch {
      // an invalid endpoint fails at the first request, with its message
    }
    this.basic = basic;
    this.endpoint = basic ? this.shown : given;
    this.fetchFn = options.fetch ?? fetch;
  }

  folderOf(repo: RepoRef): string {
    return join(
      this.options.cacheDir,
      repo.type === 'model' ? 'models' : 'datasets',
      ...repo.id.split('/'),
      repo.revision && repo.revision !== 'main' ? `@${repo.revision}` : '',
    );
  }

  /** The repository's files, or the cached copy's when the hub cannot be asked. */
  async snapshot(
    repo: RepoRef,
    select: (files: string[]) => FileSelection,
    options: SnapshotOptions = {},
  ): Promise<Snapshot> {
    const folder = this.folderOf(repo);
    const cached = readManifest(folder);
    if (this.options.offline) {
      if (!cached)
        throw new HubError(
          `${describe(repo)} is not in the cache (${folder}) and offline mode is on: run once with network access, or give a local folder instead.`,
          'offline',
        );
      const selection = select(Object.keys(cached.files));
      const missing = selection.required.filter((f) => !cachedFileOk(folder, f, cached));
      if (missing.length > 0)
        throw new HubError(
          `${describe(repo)} is only partly cached (missing ${missing.join(', ')}) and offline mode is on.`,
          'offline',
        );
      return { folder, commit: cached.commit, from: 'cache-offline', downloadedBytes: 0 };
    }
    let listing: { sha?: string; files: string[] };
    try {
      listing = await this.listFiles(repo, options.signal);
    } catch (e) {
      // Unreachable hub, complete cache: use it and say so.
      if (e instanceof HubError && e.kind === 'network' && cached) {
        const selection = select(Object.keys(cached.files));
        if (selection.required.every((f) => cachedFileOk(folder, f, cached)))
          return { folder, commit: cached.commit, from: 'cache-offline', downloadedBytes: 0 };
      }
      throw e;
    }
    const selection = select(listing.files);
    const absent = selection.required.filter((f) => !listing.files.includes(f));
    if (absent.length > 0)
      throw new HubError(`${describe(repo)} has no ${absent.join(', ')} at ${this.shown}.`, 'not-found');
    const wanted = [...selection.required, ...(selection.optional ?? []).filter((f) => listing.files.includes(f))];
    if (
      cached &&
      listing.sha &&
      cached.commit === listing.sha &&
      wanted.every((f) => cachedFileOk(folder, f, cached))
    ) {
      return { folder, commit: cached.commit, from: 'cache', downloadedBytes: 0 };
    }
    const files = await Promise.all(wanted.map((f) => this.head(repo, f, options.signal)));
    const plan = planDownload(repo, folder, listing.sha, files, cached);
    if (plan.missingBytes > 0 && options.confirm && !(await options.confirm(plan))) {
      throw new HubError(`Download of ${describe(repo)} declined: nothing was downloaded.`, 'declined');
    }
    const downloadedBytes = await this.download(plan, options);
    return { folder, commit: plan.commit, from: downloadedBytes > 0 ? 'network' : 'cache', downloadedBytes };
  }

  async listFiles(repo: RepoRef, signal?: AbortSignal): Promise<{ sha?: string; files: string[] }> {
    const url = `${this.endpoint}/api/${repo.type}s/${repo.id}/revision/${encodeURIComponent(repo.revision ?? 'main')}`;
    const limit = timeLimit(METADATA_LIMITS.ms, signal);
    const res = await this.request(url, { signal: limit }, repo);
    let body: unknown;
    try {
      body = await readJson(res, url, limit);
    } catch (e) {
      if (signal?.aborted) throw new HubError(`Download of ${describe(repo)} cancelled.`, 'cancelled');
      if (e instanceof BoundedReadError && e.kind === 'not-json')
        throw new HubError(`${this.shown} did not answer the file listing of ${describe(repo)} with JSON.`, 'http');
      throw withRemedy(new HubError('', 'network'), {
        id: 'hubUnreachable',
        params: {
          host: this.shown,
          what: `the file listing of ${describe(repo)}`,
          cause: (e as Error).message.replace(/\.$/, ''),
          dataset: repo.type === 'dataset',
        },
      });
    }
    const { sha, siblings = [] } = (body ?? {}) as { sha?: unknown; siblings?: unknown };
    if (!Array.isArray(siblings) || (sha !== undefined && typeof sha !== 'string')) {
      throw new HubError(
        `${this.shown} answered the file listing of ${describe(repo)} in a form it does not use.`,
        'http',
      );
    }
    const files = siblings.map((f) => (f as { rfilename?: unknown } | null)?.rfilename);
    const unsafe = files.find((f) => !isSafeRepoPath(f));
    if (unsafe !== undefined) {
      throw withRemedy(new HubError('', 'http'), {
        id: 'hubMisbehaved',
        params: {
          problem: `${this.shown} listed a file name for ${describe(repo)} that is not a plain path inside the repository (${JSON.stringify(unsafe)?.slice(0, 120)}): nothing was downloaded`,
        },
      });
    }
    return { sha, files: files as string[] };
  }

  resolveUrl(repo: RepoRef, path: string): string {
    return `${this.endpoint}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}/resolve/${encodeURIComponent(repo.revision ?? 'main')}/${encodePath(path)}`;
  }

  async head(repo: RepoRef, path: string, signal?: AbortSignal): Promise<RemoteFile> {
    let url = this.resolveUrl(repo, path);
    // LFS files answer with a redirect that carries X-Linked-*; a renamed repository answers with
    // a redirect to its new name: follow those (a few), read the headers where they appear.
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const res = await this.request(
        url,
        { method: 'HEAD', redirect: 'manual', signal: timeLimit(METADATA_LIMITS.ms, signal) },
        repo,
        path,
      );
      const linkedEtag = res.headers.get('x-linked-etag');
      const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
      const etag = cleanEtag(linkedEtag ?? res.headers.get('etag') ?? '');
      if (res.status >= 300 && res.status < 400 && !linkedEtag) {
        url = new URL(res.headers.get('location') ?? '', url).toString();
        continue;
      }
      if (!Number.isSafeInteger(size) || size < 0)
        throw new HubError(`${this.shown} gave no size for ${path} of ${describe(repo)}.`, 'http');
      return { path, size, etag };
    }
    throw new HubError(`Too many redirects for ${path} of ${describe(repo)}.`, 'http');
  }

  private async download(plan: DownloadPlan, options: SnapshotOptions): Promise<number> {
    mkdirSync(plan.folder, { recursive: true });
    const release = lockFolder(plan.folder, plan.repo);
    let done = 0;
    try {
      // The manifest records each file as it is verified; the commit only once all are there.
      const manifest: Manifest = readManifest(plan.folder) ?? { files: {} };
      for (const file of plan.files) {
        if (isCached(plan.folder, file, manifest)) continue;
        const target = join(plan.folder, file.path);
        if (!isSafeRepoPath(file.path) || !isInside(plan.folder, target)) {
          throw new HubError(`${file.path} would be written outside ${plan.folder}: refused.`, 'http');
        }
        await this.fetchFile(
          plan.repo,
          file,
          target,
          (n) => {
            done += n;
            options.onProgress?.({ file: file.path, doneBytes: done, missingBytes: plan.missingBytes });
          },
          options.signal,
        );
        manifest.files[file.path] = { size: file.size, etag: file.etag };
        writeFileAtomically(join(plan.folder, MANIFEST), JSON.stringify(manifest, null, 1));
      }
      manifest.commit = plan.commit;
      writeFileAtomically(join(plan.folder, MANIFEST), JSON.stringify(manifest, null, 1));
      return done;
    } finally {
      release();
    }
  }

  /** One file: resume a partial download when the server honours Range, verify, then rename into place. */
  private async fetchFile(
    repo: RepoRef,
    file: RemoteFile,
    target: string,
    onBytes: (n: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    mkdirSync(dirname(target), { recursive: true });
    const part = partPath(target, file);
    let have = existsSync(part) ? statSync(part).size : 0;
    if (have > file.size) {
      truncateSync(part, 0);
      have = 0;
    }
    if (have < file.size || file.size === 0) {
      const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
      // A server that stops sending (a drip, a stalled proxy) ends the download after a quiet
      // spell; what arrived is kept and the next run resumes it.
      const idleMs = this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
      const idle = new AbortController();
      let timer = setTimeout(() => idle.abort(), idleMs);
      const both = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
      let fd: number | undefined;
      try {
        const res = await this.request(this.resolveUrl(repo, file.path), { headers, signal: both }, repo, file.path);
        if (res.status !== 206 && have > 0) {
          truncateSync(part, 0); // the server sent the whole file: start over
          have = 0;
        }
        fd = openSync(part, 'a');
        if (!res.body) throw new HubError(`Empty answer for ${file.path}.`, 'http');
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(), idleMs);
          // Never more than the declared size: a server that sends more is stopped at once.
          if (have + chunk.length > file.size) {
            closeSync(fd);
            fd = undefined;
            rmSync(part, { force: true });
            throw withRemedy(new HubError('', 'integrity'), {
              id: 'hubMisbehaved',
              params: {
                problem: `${file.path} of ${describe(repo)} is larger than the ${file.size} bytes ${this.shown} declared: stopped and removed`,
              },
            });
          }
          writeSync(fd, chunk);
          have += chunk.length;
          onBytes(chunk.length);
        }
      } catch (e) {
        if (idle.signal.aborted && !signal?.aborted)
          throw new HubError(
            `Download of ${file.path} stopped: ${this.shown} sent nothing for ${idleMs / 1000} s. What arrived is kept: run again to resume.`,
            'network',
          );
        if (signal?.aborted)
          throw new HubError(
            `Download of ${describe(repo)} cancelled: the partial file is kept and the next download resumes it.`,
            'cancelled',
          );
        if (e instanceof HubError) throw e;
        throw new HubError(
          `Download of ${file.path} failed (${(e as Error).message}): run again to resume.`,
          'network',
        );
      } finally {
        clearTimeout(timer);
        if (fd !== undefined) closeSync(fd);
      }
    }
    await verify(part, file);
    renameSync(part, target);
  }

  /**
   * One request; the token goes only to the endpoint's origin. Redirects are followed here, not
   * by fetch, so that a hop to another origin never carries the token (unless the caller asked
   * for redirect: 'manual' and follows them itself, as head() does).
   */
  private async request(url: string, init: RequestInit, repo: RepoRef, path?: string): Promise<Response> {
    const follow = init.redirect !== 'manual';
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await this.requestOnce(url, { ...init, redirect: 'manual' }, repo, path);
      const location = res.headers.get('location');
      if (!follow || res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      url = new URL(location, url).toString();
    }
    throw new HubError(`Too many redirects for ${path ?? describe(repo)} at ${this.shown}.`, 'http');
  }

  private async requestOnce(url: string, init: RequestInit, repo: RepoRef, path?: string): Promise<Response> {
    const headers: Record<string, string> = {
      ...(init.headers as Record<string, string>),
      'user-agent': `carbonlens/${typeof CARBONLENS_VERSION === 'string' ? CARBONLENS_VERSION : 'dev'}`,
    };
    if (sameOrigin(url, this.endpoint)) {
      if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
      else if (this.basic) headers.authorization = `Basic ${this.basic}`;
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, headers });
    } catch (e) {
      if (timedOut(init.signal))
        throw withRemedy(new HubError('', 'network'), {
          id: 'hubUnreachable',
          params: {
            host: new URL(url).host,
            what: path ? `${path} of ${describe(repo)}` : `the file listing of ${describe(repo)}`,
            cause: `no answer within ${METADATA_LIMITS.ms / 1000} s`,
            dataset: repo.type === 'dataset',
          },
        });
      if (init.signal?.aborted) throw new HubError(`Download of ${describe(repo)} cancelled.`, 'cancelled');
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw withRemedy(new HubError('', 'network'), {
        id: 'hubUnreachable',
        params: {
          host: this.shown,
          what: describe(repo),
          cause: cause?.code ?? cause?.message ?? (e as Error).message,
          dataset: repo.type === 'dataset',
        },
      });
    }
    if (res.ok || (res.status >= 300 && res.status < 400)) return res;
    const what = path ? `${path} of ${describe(repo)}` : describe(repo);
    if (res.status === 401) {
      throw withRemedy(new HubError('', this.options.token ? 'unauthorized' : 'not-found'), {
        id: 'hubAccess',
        params: { what, host: this.shown, reason: this.options.token ? 'token-rejected' : 'needs-token' },
      });
    }
    if (res.status === 403)
      throw withRemedy(new HubError('', 'gated'), {
        id: 'hubAccess',
        params: {
          what,
          host: this.shown,
          reason: 'gated',
          page: `${this.shown}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}`,
        },
      });
    if (res.status === 404)
      throw new HubError(
        `${what} was not found at ${this.shown}: check the id${repo.revision ? ' and revision' : ''}.`,
        'not-found',
      );
    throw new HubError(`${this.shown} answered ${res.status} ${res.statusText} for ${what}.`, 'http');
  }
}

function describe(repo: RepoRef): string {
  return `${repo.type === 'dataset' ? 'dataset ' : ''}${repo.id}${repo.revision && repo.revision !== 'main' ? `@${repo.revision}` : ''}`;
}

const cleanEtag = (etag: string) => etag.replace(/^W\//, '').replace(/"/g, '');
const partPath = (target: string, file: RemoteFile) => `${target}.${file.etag.slice(0, 12) || 'noetag'}.part`;

function readManifest(folder: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function cachedFileOk(folder: string, path: string, manifest: Manifest): boolean {
  const entry = manifest.files[path];
  return !!entry && isCached(folder, { path, ...entry }, manifest);
}

/** Verified against this etag when it was renamed into place, and still its size. */
function isCached(folder: string, file: RemoteFile, manifest: Manifest | undefined): boolean {
  if (manifest?.files[file.path]?.etag !== file.etag) return false;
  try {
    return statSync(join(folder, file.path)).size === file.size;
  } catch {
    return false;
  }
}

function planDownload(
  repo: RepoRef,
  folder: string,
  commit: string | undefined,
  files: RemoteFile[],
  cached: Manifest | undefined,
): DownloadPlan {
  let missingBytes = 0;
  for (const file of files) {
    const target = join(folder, file.path);
    if (isCached(folder, file, cached)) continue;
    const part = partPath(target, file);
    missingBytes += file.size - (existsSync(part) ? Math.min(statSync(part).size, file.size) : 0);
  }
  return { repo, folder, commit, files, totalBytes: files.reduce((a, f) => a + f.size, 0), missingBytes };
}

/** The hub's etags are the sha256 of LFS files and the git blob sha1 of the others: check either. */
async function verify(part: string, file: RemoteFile): Promise<void> {
  const size = statSync(part).size;
  const fail = (why: string): never => {
    rmSync(part, { force: true });
    throw new HubError(
      `${file.path} failed its integrity check (${why}); the partial file was removed: download again.`,
      'integrity',
    );
  };
  if (size !== file.size) fail(`${size} bytes, expected ${file.size}`);
  const algorithm = /^[0-9a-f]{64}$/.test(file.etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(file.etag) ? 'sha1' : undefined;
  if (!algorithm) return;
  const hash = createHash(algorithm);
  if (algorithm === 'sha1') hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (digest !== file.etag) fail(`${algorithm} ${digest.slice(0, 12)}..., expected ${file.etag.slice(0, 12)}...`);
}

/** One download per folder at a time, across processes; a lock whose process is gone is taken over. */
function lockFolder(folder: string, repo: RepoRef): () => void {
  const got = tryLock(join(folder, '.carbonlens-download.lock'));
  if ('heldBy' in got)
    throw new HubError(
      `${describe(repo)} is being downloaded by another process${got.heldBy ? ` (pid ${got.heldBy})` : ''}: wait for it to finish.`,
      'busy',
    );
  return got.release;
}
