// The Grafana dashboard's queries (docs/grafana/carbonlens.json), with its variables set to
// "All", for the tests that run them against a real Prometheus and a real OTLP receiver.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function dashboardQueries(repoRoot: string): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(path.join(repoRoot, 'docs', 'grafana', 'carbonlens.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr.replace(/\$(instance|host)\b/g, '.*') })),
  );
}
