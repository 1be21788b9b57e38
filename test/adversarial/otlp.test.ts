// An OTLP collector that refuses or fails costs one line saying why (status and reason), never a
// serialised stack; a header that HTTP cannot carry is refused on the command line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { serve } from '../support/server';
import { runMain } from '../unit/runMain';
import { tempDir } from '../support/tempDir';

const cli = join(resolve(__dirname, '../../..'), 'dist', 'cli.js');

/** `carbonlens run --otlp URL -- true`, its exit code and stderr. */
function runWithOtlp(url: string): Promise<{ code: number | null; stderr: string }> {
  const out = join(tempDir('cl-adv-otlp-'), 'e.csv');
  const child = spawn(process.execPath, [cli, 'run', '--idle-ms', '0', '--out', out, '--otlp', url, '--', 'true']);
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`run did not end: ${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

describe('OTLP failures and headers', { timeout: 60_000 }, () => {
  it('a collector answering 401: one line with the status and reason, no stack', async () => {
    const collector = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(401, 'Unauthorized').end('{"error":"bad key"}'));
    });
    try {
      const r = await runWithOtlp(`${collector.url}/v1/metrics`);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l.includes('telemetry:'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0]!,
        /OTLP push \(http\/protobuf\) to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics failed: HTTP 401 Unauthorized/,
      );
      assert.doesNotMatch(r.stderr, /"stack"|\n\s+at |telemetry\.js:\d/);
    } finally {
      await collector.close();
    }
  });

  for (const [header, message] of [
    ['Bad Header=x', /--otlp-header: 'Bad Header' is not a header name/],
    ['x-api-key=a\nb', /--otlp-header x-api-key: the value holds a line break/],
    ['x-api-key=a\r\nInjected: 1', /the value holds a line break/],
  ] as const) {
    it(`--otlp-header ${JSON.stringify(header)} is refused with exit 2`, async () => {
      const r = await runMain('run', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--otlp-header', header, '--', 'true');
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
    });
  }
});
