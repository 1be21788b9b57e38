// A local HTTP server that speaks the hub's file protocol as huggingface_hub and CarbonLens use
// it: the revision API, HEAD on resolve URLs (LFS files redirect with X-Linked-Size/-Etag to a
// "CDN" path, small files answer with a git-blob-sha1 ETag), GET with Range, tokens and gating.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, relative } from 'node:path';

export interface MockRepo {
  files: Map<string, Buffer>;
  sha: string;
  /** 401 without this bearer token, 403 when `gated`. */
  token?: string;
  gated?: boolean;
}

export interface MockHub {
  url: string;
  repos: Map<string, MockRepo>;
  requests: { method: string; path: string; range?: string; auth?: string }[];
  /** Drop the connection after this many body bytes of the next GET of `path`. */
  dropAfter?: { path: string; bytes: number };
  /** Serve these bytes instead of the real ones for `path`. */
  corrupt?: { path: string; bytes: Buffer };
  /** Files larger than this are served as LFS (sha256 etag behind a redirect). */
  lfsThreshold: number;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** Every file under a folder, by its path relative to it. */
export function folderFiles(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(folder, p).split('\\').join('/'), readFileSync(p));
    }
  };
  walk(folder);
  return files;
}

export async function startMockHub(): Promise<MockHub> {
  const hub: MockHub = { url: '', repos: new Map(), requests: [], lfsThreshold: 1024, close: async () => undefined };
  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number> = {},
    body?: Buffer | string,
  ) => {
    res.writeHead(status, headers);
    res.end(body);
  };

  function serveBytes(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    bytes: Buffer,
    headers: Record<string, string>,
  ) {
    const served = hub.corrupt?.path === path ? hub.corrupt.bytes : bytes;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = served.subarray(start);
    const status = range ? 206 : 200;
    if (req.method === 'HEAD') return send(res, status, { ...headers, 'content-length': body.length });
    if (hub.dropAfter?.path === path) {
      const { bytes: n } = hub.dropAfter;
      hub.dropAfter = undefined;
      res.writeHead(status, { ...headers, 'content-length': body.length });
      res.write(body.subarray(0, n), () => res.destroy());
      return;
    }
    send(res, status, { ...headers, 'content-length': body.length }, body);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    hub.requests.push({ method: req.method ?? '', path, range: req.headers.range, auth: req.headers.authorization });
    const cdn = /^\/cdn\/([^/]+)\/(.+)$/.exec(path);
    if (cdn) {
      const [, key, file] = cdn;
      const repo = hub.repos.get(key.replace(/~/g, '/'));
      const bytes = repo?.files.get(file);
      return bytes ? serveBytes(req, res, file, bytes, {}) : send(res, 404);
    }
    const api = /^\/api\/(models|datasets)\/(.+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const key = api
      ? `${api[1] === 'datasets' ? 'dataset' : 'model'}:${api[2]}`
      : resolve
        ? `${resolve[1] ? 'dataset' : 'model'}:${resolve[2]}`
        : '';
    const repo = hub.repos.get(key);
    if (!repo) return send(res, 404, { 'x-error-code': 'RepoNotFound' }, '{"error":"Repository not found"}');
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`)
      return send(res, 401, { 'x-error-code': 'RepoNotFound' });
    if (repo.gated) return send(res, 403, { 'x-error-code': 'GatedRepo' });
    if (api) {
      return send(
        res,
        200,
        { 'content-type': 'application/json' },
        JSON.stringify({
          id: api[2],
          sha: repo.sha,
          siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
    }
    const file = resolve![4];
    const bytes = repo.files.get(file);
    if (!bytes) return send(res, 404, { 'x-error-code': 'EntryNotFound' });
    if (bytes.length > hub.lfsThreshold) {
      return send(res, 302, {
        location: `/cdn/${key.replace(/\//g, '~')}/${file}`,
        'x-linked-size': bytes.length,
        'x-linked-etag': `"${sha256(bytes)}"`,
        'x-repo-commit': repo.sha,
      });
    }
    serveBytes(req, res, file, bytes, { etag: `"${gitSha1(bytes)}"`, 'x-repo-commit': repo.sha });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  hub.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  hub.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return hub;
}
