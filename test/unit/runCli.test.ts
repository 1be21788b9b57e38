import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { dashboardQueries } from '../support/dashboard';
import { killIfAlive, pidFrom, processGone, waitFor } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const work = tempDir('cl-run-');
const started: number[] = [];
after(() => {
  for (const pid of started) killIfAlive(pid);
});

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** carbonlens ARGS in `work`, stdin closed, running: its output so far, and its end. */
function live(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CARBONLENS_CACHE: path.join(work, 'cache'), ...env },
  });
  started.push(child.pid!);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { pid: child.pid!, out: () => out, err: () => err, done };
}

/** carbonlens ARGS to its end; `onStart` gets its pid once it runs. */
function carbonlens(args: string[], onStart?: (pid: number) => void, env?: Record<string, string>): Promise<Ran> {
  const run = live(args, env);
  onStart?.(run.pid);
  return run.done;
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const records = (file = 'emissions.csv') => {
  const jsonl = path.join(work, path.dirname(file), 'carbonlens-runs.jsonl');
  return existsSync(jsonl)
    ? readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
};

describe('carbonlens run', { timeout: 120_000 }, () => {
  it("passes the command's output and exit code through, and records it as a run from the CLI", async () => {
    const before = records().length;
    const r = await carbonlens([
      'run',
      '--idle-ms',
      '200',
      '--country',
      'FR',
      '--',
      process.execPath,
      '-e',
      'console.log("to stdout"); console.error("to stderr"); process.exit(7)',
    ]);
    assert.equal(r.code, 7, r.err);
    assert.equal(r.out, 'to stdout\n', 'stdout is the command’s alone');
    assert.match(
      r.err,
      /^to stderr\ncarbonlens: node ran [\d.]+ s: .* CO2e at .* gCO2e\/kWh \((own share|machine total)\); machine total .*(cpu|ram) .* above idle.*; exit 7\.\ncarbonlens: appended to \S*emissions\.csv and \S*carbonlens-runs\.jsonl\.\n$/,
    );
    const last = records().at(-1);
    assert.equal(records().length, before + 1);
    assert.deepEqual([last.schema, last.origin, last.label, last.exitCode], ['carbonlens.run/1', 'cli', 'node', 7]);
    assert.equal(last.commandLine, undefined, 'arguments are never stored');
    assert.ok(last.energy.totalJ > 0 && last.energy.idleSeconds > 0);
    const csv = readFileSync(path.join(work, 'emissions.csv'), 'utf8').trim().split('\n');
    assert.match(csv.at(-1)!, /,cli:node,/);
  });

  it('exits 127 for a command that does not exist, 2 for its own bad options, and records nothing then', async () => {
    const before = records().length;
    const missing = await carbonlens(['run', '--idle-ms', '0', '--', 'no-such-command-carbonlens']);
    assert.equal(missing.code, 127);
    assert.match(missing.err, /no-such-command-carbonlens: command not found/);
    assert.equal((await carbonlens(['run', '--idle-ms', 'x', '--', 'true'])).code, 2);
    assert.equal((await carbonlens(['run', '--budget-g', '1', '--', 'true'])).code, 2, 'a CO2 budget needs a place');
    assert.equal((await carbonlens(['run', '--idle-ms', '0'])).code, 2, 'no command');
    assert.equal(records().length, before);
  });

  it('fails a CI step with exit code 3 when the command spends more than its budget', async () => {
    const spin = 'const t = Date.now(); while (Date.now() - t < 1500);';
    const over = await carbonlens(['run', '--idle-ms', '0', '--budget-j', '0.001', '--', process.execPath, '-e', spin]);
    assert.equal(over.code, 3, over.err);
    assert.match(over.err, /over the budget of 1 mJ/);
    const within = await carbonlens([
      'run',
      '--idle-ms',
      '0',
      '--budget-j',
      '1000000',
      '--',
      process.execPath,
      '-e',
      spin,
    ]);
    assert.equal(within.code, 0, within.err);
  });

  it('passes SIGTERM on to the command and leaves none of its processes behind', async () => {
    const marker = path.join(work, 'got-sigterm');
    const grandchild = path.join(work, 'grandchild.pid');
    // The command starts a background sleeper it never waits for, then waits for SIGTERM. Its
    // handler is in place before the pid file says it is ready (the test signals on that file).
    const script = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(marker)}, 'yes'); process.exit(143); });
      const s = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      s.unref();
      fs.writeFileSync(${JSON.stringify(grandchild)}, String(s.pid));
      setInterval(() => {}, 1000);`;
    let carbonlensPid = 0;
    const run = carbonlens(
      ['run', '--idle-ms', '0', '--', process.execPath, '-e', script],
      (pid) => (carbonlensPid = pid),
    );
    const sleeper = await pidFrom(grandchild, 30_000);
    started.push(sleeper);
    process.kill(carbonlensPid, 'SIGTERM');
    const r = await run;
    assert.equal(r.code, 143, r.err);
    assert.equal(readFileSync(marker, 'utf8'), 'yes');
    if (process.platform === 'linux') {
      await processGone(sleeper, 10_000);
      assert.match(r.err, /ended 1 process\(es\) the command left running/);
    }
  });
});

describe('carbonlens run: the run’s own share', {
  timeout: 60_000,
  skip: process.platform !== 'linux' && 'needs /proc',
}, () => {
  it('attributes CPU energy by CPU time: beside an equal burner, half of the pair’s', async () => {
    const burn = (s: number) => `const e=Date.now()+${s * 1000};let x=0;while(Date.now()<e)x++;`;
    const other = spawn(process.execPath, ['-e', burn(40)], { stdio: 'ignore' });
    started.push(other.pid!);
    try {
      // The command reads the other burner's CPU ticks at its start and end, so the pair is known.
      const ticks = `const t=()=>{const s=require('fs').readFileSync('/proc/${other.pid}/stat','latin1');const f=s.slice(s.lastIndexOf(')')+2).split(' ');return Number(f[11])+Number(f[12]);};`;
      // 8 s of burning: the command's own start-up (its Node loading) is a small part of its time.
      const script = `${ticks}const a=t();${burn(8)}console.log(t()-a);`;
      const r = await carbonlens(['run', '--idle-ms', '0', '--json', '--', process.execPath, '-e', script]);
      assert.equal(r.code, 0, r.err);
      const otherTicks = Number(r.out.trim());
      const record = JSON.parse(r.err.slice(r.err.indexOf('{')));
      const cpu = record.attribution.components.find((c: { component: string }) => c.component === 'cpu');
      assert.equal(record.attribution.method, 'process');
      assert.ok(cpu && cpu.share > 0, JSON.stringify(record.attribution));
      // The run's CPU time against the other burner's over the same window: half the pair's, within 10%.
      const { run, machineBusy } = record.attribution.cpuTicks;
      assert.ok(Math.abs(cpu.share - run / machineBusy) < 1e-9, 'the share is CPU time over busy time');
      const ratio = run / (run + otherTicks);
      assert.ok(Math.abs(ratio - 0.5) <= 0.05, `run ${run} ticks, the other burner ${otherTicks} ticks`);
      // The CSV row is the run's own share, as CodeCarbon's process mode writes it.
      const csv = readFileSync(path.join(work, 'emissions.csv'), 'utf8').trim().split('\n');
      assert.match(csv.at(-1)!, /,process,/);
    } finally {
      killIfAlive(other.pid);
    }
  });
});

describe('carbonlens run --when-clean', { timeout: 60_000 }, () => {
  it('waits for the cleanest window of the forecast, says when and why, and a SIGTERM ends the wait without running', async () => {
    const { serve } = await import('../support/server');
    const half = 30 * 60_000;
    const t0 = Math.floor(Date.now() / half) * half;
    // The UK API's national 48 h forecast: clean from 2 h ahead, for 2 h.
    const uk = await serve((_req, res) => {
      const data = Array.from({ length: 96 }, (_, i) => ({
        from: `${new Date(t0 + i * half).toISOString().slice(0, 16)}Z`,
        to: `${new Date(t0 + (i + 1) * half).toISOString().slice(0, 16)}Z`,
        intensity: { forecast: i >= 4 && i < 8 ? 40 : 240, actual: null, index: 'low' },
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
    const marker = path.join(work, 'ran-when-clean');
    const before = records().length;
    const child = spawn(
      process.execPath,
      [cli, 'run', '--when-clean', '--country', 'GB', '--duration', '1h', '--within', '8h', '--', 'touch', marker],
      {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CARBONLENS_UK_INTENSITY_URL: uk.url, CARBONLENS_CACHE: path.join(work, 'cache') },
      },
    );
    started.push(child.pid!);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    try {
      await waitFor('the wait to be announced', () =>
        /waiting\. Cleanest 1 h window: starts at \d\d:\d\d UTC \(in \d+ h \d+ min\), mean 40 gCO2e\/kWh against 240/.test(
          err,
        ),
      );
      assert.match(err, /UK Carbon Intensity API \(NESO\), national forecast/);
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.on('close', r));
      assert.equal(code, 130, err);
      assert.equal(existsSync(marker), false, 'the command never ran');
      assert.equal(records().length, before);
    } finally {
      killIfAlive(child.pid);
      await uk.close();
    }
  });
});

describe('carbonlens run and monitor: metrics', { timeout: 120_000 }, () => {
  it('pushes OTLP/JSON on request with the semantic conventions’ names, units, attributes and one identity per process, and survives a collector that is down', async () => {
    const { serve } = await import('../support/server');
    const bodies: unknown[] = [];
    const collector = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    try {
      const r = await carbonlens([
        'run',
        '--idle-ms',
        '0',
        '--country',
        'SE',
        '--otlp',
        `${collector.url}/v1/metrics`,
        '--otlp-header',
        'x-api-key=s3cret',
        '--otlp-protocol',
        'http/json',
        '--',
        process.execPath,
        '-e',
        '0',
      ]);
      assert.equal(r.code, 0, r.err);
      await waitFor('an OTLP export', () => bodies.length > 0, 10_000);
      assert.equal(collector.requests[0]!.path, '/v1/metrics');
      assert.equal(collector.requests[0]!.headers['x-api-key'], 's3cret');
      assert.match(String(collector.requests[0]!.headers['content-type']), /application\/json/);
      type Metric = {
        name: string;
        unit: string;
        sum?: { dataPoints: { attributes: { key: string; value: { stringValue?: string } }[] }[] };
      };
      const metrics = (bodies as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] }[]).flatMap((b) =>
        b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics)),
      );
      const byName = (n: string) => metrics.find((m) => m.name === n);
      assert.equal(byName('hw.energy')?.unit, 'J');
      assert.equal(byName('hw.power')?.unit, 'W');
      assert.equal(byName('carbonlens.grid.intensity')?.unit, 'g/(kW.h)', 'UCUM');
      type Resource = { attributes: { key: string; value: { stringValue?: string } }[] };
      const resource = Object.fromEntries(
        (bodies[0] as { resourceMetrics: { resource: Resource }[] }).resourceMetrics[0]!.resource.attributes.map(
          (a) => [a.key, a.value.stringValue],
        ),
      );
      assert.equal(resource['carbonlens.command'], 'run');
      assert.match(resource['service.instance.id']!, /^[0-9a-f-]{36}$/);
      assert.equal(resource['host.name'], os.hostname());
      assert.ok(resource['service.version']);
      const run = byName('carbonlens.run.energy')!;
      const attrs = Object.fromEntries(run.sum!.dataPoints[0]!.attributes.map((a) => [a.key, a.value.stringValue]));
      assert.equal(attrs['carbonlens.origin'], 'cli');
      assert.ok(['cpu', 'memory', 'gpu'].includes(attrs['hw.type']!));
      assert.ok(['measured', 'sampled', 'estimated'].includes(attrs['carbonlens.provenance']!));
    } finally {
      await collector.close();
    }
    // Nothing listens on port 9: the run completes, says so once, and its record is saved.
    const before = records().length;
    const down = await carbonlens(['run', '--idle-ms', '0', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--', 'true']);
    assert.equal(down.code, 0, down.err);
    assert.equal(records().length, before + 1);
    const said = down.err.split('\n').filter((l) => l.includes('telemetry:'));
    assert.equal(said.length, 1, down.err);
    assert.match(
      said[0]!,
      /OTLP push \(http\/protobuf\) to http:\/\/127\.0\.0\.1:9\/v1\/metrics failed: .*ECONNREFUSED/,
    );
    assert.doesNotMatch(down.err, /^\s+at /m, 'no stack');
    assert.deepEqual(records().at(-1).telemetry, {
      otlp: 'http://127.0.0.1:9/v1/metrics',
      delivered: false,
      error: said[0]!.replace(/^carbonlens: telemetry: /, '').replace(/ \(metrics not delivered.*$/, ''),
    });
  });

  it('completes the run and keeps its record when the collector answers 500 or never answers', async () => {
    const { serve } = await import('../support/server');
    const failing = await serve((_req, res) => res.writeHead(500, 'Internal Server Error').end('disk full\n'));
    const hanging = await serve(() => undefined); // reads the request, never answers
    try {
      for (const collector of [failing, hanging]) {
        const before = records().length;
        // The standard variable bounds each push: 2 s, not the default 10.
        const r = await carbonlens(
          ['run', '--idle-ms', '0', '--otlp', `${collector.url}/v1/metrics`, '--', 'true'],
          undefined,
          { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
        );
        assert.equal(r.code, 0, r.err);
        assert.equal(records().length, before + 1, 'the record is saved whatever the collector does');
        assert.ok(collector.requests.length >= 1, 'it was tried');
        assert.equal(records().at(-1).telemetry.delivered, false, 'the record says the metrics did not arrive');
        if (collector === failing)
          assert.match(
            r.err,
            /^carbonlens: telemetry: .* failed: HTTP 500 Internal Server Error: disk full \(metrics not delivered/m,
          );
      }
    } finally {
      await failing.close();
      await hanging.close();
    }
  });

  it('pushes hw.power and an hw.energy that starts before its time from a monitor shorter than the export interval', async () => {
    const { serve } = await import('../support/server');
    type Point = { startTimeUnixNano: string; timeUnixNano: string; asDouble?: number };
    type Metric = { name: string; gauge?: { dataPoints: Point[] }; sum?: { dataPoints: Point[] } };
    const metrics: Metric[] = [];
    const collector = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const json = JSON.parse(body) as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] };
        metrics.push(...json.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    try {
      const r = await carbonlens(['monitor', '--duration', '1', '--interval-ms', '100', '--json'], undefined, {
        // The standard variables, the endpoint as a base URL (+ v1/metrics).
        OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      assert.equal(r.code, 0, r.err);
      assert.equal(collector.requests[0]!.path, '/v1/metrics');
      assert.deepEqual(JSON.parse(r.out).telemetry, { otlp: `${collector.url}/v1/metrics`, delivered: true });
    } finally {
      await collector.close();
    }
    const power = metrics.filter((m) => m.name === 'hw.power').flatMap((m) => m.gauge!.dataPoints);
    assert.ok(power.length > 0, 'hw.power is pushed after the run ended');
    const energy = metrics.filter((m) => m.name === 'hw.energy').flatMap((m) => m.sum!.dataPoints);
    assert.ok(energy.length > 0);
    for (const p of energy) assert.ok(BigInt(p.startTimeUnixNano) < BigInt(p.timeUnixNano), JSON.stringify(p));
  });

  it('binds a free port for --prometheus 127.0.0.1:0, says a taken port in one line, and prints no live line after the summary', async () => {
    const monitor = live(['monitor', '--duration', '0.3', '--interval-ms', '20', '--prometheus', '127.0.0.1:0']);
    try {
      const port = Number(
        await waitFor(
          'the /metrics URL on stderr',
          () => /serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(monitor.err())?.[1],
        ),
      );
      assert.notEqual(port, 9464, 'port 0 is a free port, not the exporter default');
      assert.ok((await fetch(`http://127.0.0.1:${port}/metrics`)).ok);
      // The same port again: taken. A clean usage-style error, not a TypeError.
      const taken = await carbonlens(['monitor', '--duration', '1', '--prometheus', `127.0.0.1:${port}`]);
      assert.notEqual(taken.code, 0);
      assert.match(taken.err, new RegExp(`Cannot serve /metrics on 127\\.0\\.0\\.1:${port}: the port is taken`));
      assert.doesNotMatch(taken.err, /TypeError|^\s+at /m);
      // The summary, then /metrics stays up for the last scrape: the meter's 20 ms lines have stopped.
      await waitFor('the summary and the wait for SIGTERM', () => /final figures stay/.test(monitor.err()));
      const summaryAt = monitor.out().indexOf('Energy over');
      assert.ok(summaryAt > 0);
      // 25 of the meter's intervals: the old monitor printed a line at each.
      const seen = Date.now();
      await waitFor('25 meter intervals', () => Date.now() - seen > 500);
      assert.doesNotMatch(monitor.out().slice(summaryAt), /^\d\d:\d\d:\d\d /m, monitor.out().slice(summaryAt));
    } finally {
      process.kill(monitor.pid, 'SIGTERM');
      assert.equal((await monitor.done).code, 0);
    }
  });

  it('serves /metrics that a real Prometheus scrapes, with the same energy as the run it reports', async () => {
    const { prometheusBinaries } = await import('../prometheusServer.mjs');
    const bin = prometheusBinaries(path.resolve(__dirname, '../../../.vscode-test/prometheus'));
    const monitor = live([
      'monitor',
      '--duration',
      '4',
      '--interval-ms',
      '250',
      '--prometheus',
      '127.0.0.1:0',
      '--json',
    ]);
    const promDir = tempDir('cl-prom-');
    let prometheus: ReturnType<typeof spawn> | undefined;
    try {
      const target = await waitFor(
        'the /metrics URL on stderr',
        () => /serving http:\/\/([\d.:]+)\/metrics/.exec(monitor.err())?.[1],
      );
      writeFileSync(
        path.join(promDir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: carbonlens\n    static_configs:\n      - targets: ['${target}']\n`,
      );
      const port = await freePort();
      prometheus = spawn(
        bin.prometheus,
        [
          `--config.file=${path.join(promDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(promDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
      started.push(prometheus.pid!);
      // The run's own figure: the JSON monitor prints when --duration is over.
      const report = await waitFor(
        "monitor's JSON report",
        () => {
          try {
            return JSON.parse(monitor.out()) as { energy_j: { total: number } };
          } catch {
            return undefined;
          }
        },
        30_000,
      );
      const total = report.energy_j.total;
      // What Prometheus scraped after the run ended: the same energy, within 1%.
      const scraped = await waitFor(
        'Prometheus to hold the final hw_energy_total',
        async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=sum(hw_energy_total)`);
            const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
            const v = Number(body.data.result[0]?.value[1]);
            return Math.abs(v - total) <= total * 0.01 ? v : undefined;
          } catch {
            return undefined;
          }
        },
        60_000,
      );
      assert.ok(Math.abs(scraped - total) / total <= 0.01, `${scraped} J scraped, ${total} J reported`);
      // The Grafana dashboard reads this path too: each of its power and energy panels has data
      // (the rates once Prometheus holds two scrapes).
      for (const { title, expr } of dashboardQueries(path.resolve(__dirname, '../../..')).filter((q) =>
        q.expr.includes('hw_'),
      ))
        await waitFor(`the dashboard's '${title}' query to have data: ${expr}`, async () => {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
          const body = (await res.json()) as { status: string; data: { result: unknown[] } };
          return body.status === 'success' && body.data.result.length > 0;
        });
      const metrics = await (await fetch(`http://${target}/metrics`)).text();
      assert.match(metrics, /# UNIT hw_energy_total J/);
      assert.match(
        metrics,
        /hw_power\{|hw_energy_total\{hw_id="[^"]+",hw_name="[^"]+",hw_type="(cpu|memory|gpu)",carbonlens_provenance="(measured|sampled|estimated)"\}/,
      );
    } finally {
      if (prometheus?.pid) killIfAlive(prometheus.pid);
      process.kill(monitor.pid, 'SIGTERM');
      assert.equal((await monitor.done).code, 0);
    }
  });
});
