// A NuGet v3 feed on localhost with one package: what nuget.org answers, for the files we read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CUDA_PACKAGE, ORT_VERSION } from '../../src/core/models/cudaProvider';

export function nugetFeed(nupkg: Uint8Array, headers: Record<string, string> = {}) {
  const hits: string[] = [];
  const id = CUDA_PACKAGE.toLowerCase();
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/v3/index.json') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          version: '3.0.0',
          resources: [{ '@id': `${base}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' }],
        }),
      );
    } else if (req.url === `/v3-flatcontainer/${id}/${ORT_VERSION}/${id}.${ORT_VERSION}.nupkg`) {
      res.writeHead(200, { 'content-length': String(nupkg.length), ...headers });
      res.end(req.method === 'HEAD' ? undefined : Buffer.from(nupkg));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return { server, hits, index: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json` };
}
