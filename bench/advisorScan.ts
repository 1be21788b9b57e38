// The advisor on a 10,000-line YAML file and a 10,000-line JSON file, each holding a model id
// and a region every few lines, against the floor a native parser sets: JSON.parse of the same
// JSON (which finds nothing). Prints milliseconds (median of 20 warm runs) and the ratio.
//   node esbuild.mjs && node out/bench/advisorScan.mjs
import { advise } from '../src/core/advisor/advise';
import { DEFAULT_ADVISOR_OPTIONS } from '../src/core/advisor/suggest';

const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true };
let yaml = '';
let json = '{\n';
for (let i = 0; i < 2000; i++) {
  yaml += `job${i}:\n  region: us-east-1\n  model: bert-base-uncased\n  replicas: 3\n  tags: [a, b]\n`;
  json += `"job${i}": {\n  "region": "us-east-1",\n  "model": "bert-base-uncased",\n  "tags": ["a", "b"],\n  "replicas": 3 },\n`;
}
json += '"end": 1\n}\n';

function median(fn: () => unknown, runs = 20): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const findingsYaml = advise('big.yaml', yaml, options)!.length;
const findingsJson = advise('big.json', json, options)!.length;
const tYaml = median(() => advise('big.yaml', yaml, options));
const tJson = median(() => advise('big.json', json, options));
const tParse = median(() => JSON.parse(json));
console.log(
  `YAML ${yaml.split('\n').length - 1} lines: ${tYaml.toFixed(2)} ms, ${findingsYaml} findings (target <= 20 ms: ${tYaml <= 20 ? 'met' : 'NOT met'})`,
);
console.log(
  `JSON ${json.split('\n').length - 1} lines: ${tJson.toFixed(2)} ms, ${findingsJson} findings (target <= 20 ms: ${tJson <= 20 ? 'met' : 'NOT met'})`,
);
console.log(
  `Peer: JSON.parse of the same JSON ${tParse.toFixed(2)} ms; ratio advisor/JSON.parse: YAML ${(tYaml / tParse).toFixed(1)}x, JSON ${(tJson / tParse).toFixed(1)}x`,
);

// Hostile input (the unit test's synthetic cases): the slowest one, median of 5 runs each. The unit
// test only checks that none throws or hangs; this is where its speed is watched.
const binary = Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
const hostile = [
  'model: "'.repeat(20_000),
  `region: ${'a'.repeat(1_000_000)}`,
  '['.repeat(50_000),
  '"""'.repeat(10_000),
];
let worst = { ms: 0, what: '' };
for (const name of ['x.yaml', 'x.json', 'x.toml', 'x.tf', 'x.py', 'x.ipynb', 'Dockerfile', '.env'])
  for (const text of [binary, ...hostile, '\t- region: us-east-1\n'.repeat(1000)]) {
    const ms = median(() => advise(name, text, options), 5);
    if (ms > worst.ms) worst = { ms, what: `${name} ${JSON.stringify(text.slice(0, 12))}...` };
  }
console.log(
  `Hostile input, slowest of 48: ${worst.ms.toFixed(1)} ms (${worst.what}; target <= 1,000 ms: ${worst.ms <= 1000 ? 'met' : 'NOT met'})`,
);
// `carbonlens scan` of a 1,000-file repository: Terraform modules (a cluster, its variables and
// tfvars, read as modules), Kubernetes and SkyPilot YAML, Python, .env and tests/ (skipped by
// default). Target: under 2 s here (issue 32). Median of 3 runs after one warm-up.
{
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runScan } = await import('../src/cli/scan');
  const root = mkdtempSync(join(tmpdir(), 'cl-bench-scan-'));
  try {
    for (let m = 0; m < 100; m++) {
      const dir = join(root, `module${m}`);
      mkdirSync(join(dir, 'tests'), { recursive: true });
      const files: Record<string, string> = {
        'variables.tf': `variable "region" {\n  default = "us-central1"\n}\nvariable "zones" {\n  default = [\n    "us-central1-a",\n    "us-central1-b",\n  ]\n}\n`,
        'main.tf': `resource "google_container_cluster" "c${m}" {\n  location = var.region\n  node_locations = var.zones\n}\nresource "google_storage_bucket" "b" {\n  location = "us-central1"\n}\n`,
        'terraform.tfvars': `region = "us-east1"\n`,
        'deploy.yaml': `resources:\n  cloud: gcp\n  region: us-east1\n  instance_type: n2-standard-8\nmodel: bert-base-uncased\n`,
        'k8s.yaml': `apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: AWS_REGION\n          value: us-east-1\n`,
        'train.py': `import boto3\nfrom transformers import AutoModel\nAutoModel.from_pretrained("bert-base-uncased")\nsm = boto3.client("sagemaker", region_name="us-east-2")\n`,
        '.env': 'AWS_DEFAULT_REGION=us-east-1\nMODEL_ID=facebook/bart-large-cnn\n',
        'README.md': '# not read\n',
        'tests/test_regions.py': 'REGION = "us-central1"\n',
        'tests/values.yaml': 'region: us-east1\n',
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    }
    let found = 0;
    const once = async () => {
      let out = '';
      await runScan([root, '--json'], (t) => {
        out += t;
      });
      found = JSON.parse(out).length;
    };
    await once();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
    }
    const t = times.sort((a, b) => a - b)[1]!;
    console.log(
      `scan of 1,000 files (100 modules): ${t.toFixed(0)} ms, ${found} findings (target < 2000 ms: ${t < 2000 ? 'met' : 'NOT met'})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
