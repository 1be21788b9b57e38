import assert from 'node:assert/strict';
import { citations } from '../../src/core/citations';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { advise, type Finding } from '../../src/core/advisor/advise';
import { modelRef, writeLike } from '../../src/core/advisor/catalogue';
import { scan, fileKind } from '../../src/core/advisor/scanners';
import { DEFAULT_ADVISOR_OPTIONS, suggestModel, suggestRegion } from '../../src/core/advisor/suggest';
import type { RunSummary } from '../../src/core/bench/history';

const fixtures = join(__dirname, '../../../test/fixtures/advisor');
const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true };
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');
/** "line:column value -> suggestion", 1-based like an editor shows. */
const summary = (findings: Finding[] | undefined) =>
  (findings ?? []).map((f) => `${f.start.line + 1}:${f.start.character + 1} ${f.value} -> ${f.suggestion.replacement}`);
/** The scanners' tests: regions on the continent, so each fixture's region values show (country scope is the default). */
const run = (name: string) => summary(advise(name, read(name), { ...options, regionScope: 'continent' }));

describe('advisor: what it finds, file type by file type', () => {
  it('YAML: Kubernetes labels and env entries, SkyPilot resources, flow lists; not block scalars', () => {
    assert.deepEqual(run('k8s.yaml'), [
      // Line 7 is a node label (metadata) and line 23 a list with nothing around it saying what
      // runs there: no advice. SkyPilot's resources are a workload: the region and its zone move
      // together, to a region whose zones the data knows.
      '16:19 facebook/bart-large-cnn -> sshleifer/distilbart-cnn-6-6',
      '21:12 ap-south-1 -> ap-northeast-3',
    ]);
    const [sky] = advise('k8s.yaml', read('k8s.yaml'), { ...options, regionScope: 'continent' })!.filter(
      (f) => f.kind === 'region',
    );
    assert.deepEqual(
      sky!.edits!.map((e) => `${e.start.line + 1}:${e.start.character + 1} ${e.newText}`),
      ['21:12 ap-northeast-3', '22:9 ap-northeast-3a'],
    );
  });

  it('finds a catalogue id under a nested key (SkyPilot, Hydra), never in prose or a short name alone', () => {
    const text = [
      'model:',
      '  name: google/vit-base-patch16-384',
      'train:',
      '  checkpoint_name: "microsoft/trocr-large-printed"',
      'notes: we tried google/vit-base-patch16-384 first',
      'job: bert-base-uncased',
      'other: acme/vit-base-patch16-384',
    ].join('\n');
    assert.deepEqual(summary(advise('sky.yaml', text, options)!), [
      '2:9 google/vit-base-patch16-384 -> google/vit-base-patch16-224',
      '4:21 microsoft/trocr-large-printed -> microsoft/trocr-base-printed',
    ]);
    const json = '{"model": {"repo": "facebook/bart-large-cnn"}, "description": "facebook/bart-large-cnn is big"}';
    assert.deepEqual(summary(advise('cfg.json', json, options)!), [
      '1:21 facebook/bart-large-cnn -> sshleifer/distilbart-cnn-6-6',
    ]);
  });

  it('cron schedules: a GitHub Actions workflow, a Kubernetes CronJob and a crontab, moved to the cleanest hour', () => {
    // A typical day: 300 g/kWh at 02:00 UTC, 120 at 04:00, the lowest.
    const typicalDay = {
      source: 'UK Carbon Intensity API (NESO), actual intensities where published, else forecast',
      location: 'Great Britain (national)',
      from: '2026-11-01',
      to: '2026-12-01',
      hours: Array.from({ length: 24 }, (_, hour) => ({
        hour,
        mean: hour === 4 ? 120 : hour === 2 ? 300 : 250,
        low: 0,
        high: 0,
        n: 30,
      })),
    };
    // Crontabs without CRON_TZ= run in their machine's zone: stated here, so the test is the same everywhere.
    const withDay = { ...options, typicalDay, localZone: 'UTC' };
    const workflow = [
      'name: nightly',
      'on:',
      '  schedule:',
      "    - cron: '30 2 * * *'",
      '  workflow_dispatch:',
      'jobs: {}',
    ].join('\n');
    const [f] = advise('.github/workflows/nightly.yml', workflow, withDay)!;
    assert.equal(f!.kind, 'schedule');
    assert.equal(f!.suggestion.replacement, '30 4 * * *');
    assert.deepEqual([f!.start.line, f!.start.character], [3, 13]);
    assert.match(
      f!.message,
      /starts at 02:00 UTC, when the grid \(Great Britain \(national\)\) averages 300 gCO2e\/kWh; at 04:00 UTC it averages 120 gCO2e\/kWh: 60% less CO2/,
    );
    assert.doesNotMatch(f!.message, /assumed/, 'GitHub Actions runs schedules in UTC: nothing assumed');
    const cronJob = [
      'apiVersion: batch/v1',
      'kind: CronJob',
      'spec:',
      '  schedule: "0 2 * * 1-5"',
      '  jobTemplate: {}',
    ].join('\n');
    assert.equal(advise('cronjob.yaml', cronJob, withDay)![0]!.suggestion.replacement, '0 4 * * 1-5');
    const crontab = [
      '# m h dom mon dow command',
      'MAILTO=ops@example.org',
      '15 2 * * * /usr/bin/backup --all',
      '*/5 * * * * /usr/bin/poll',
    ].join('\n');
    const tab = advise('crontab', crontab, withDay)!;
    assert.deepEqual(
      tab.map((x) => x.suggestion.replacement),
      ['15 4 * * *'],
    );
    // Nothing without a typical day, and nothing for what is not a fixed-hour five-field cron.
    assert.deepEqual(advise('.github/workflows/nightly.yml', workflow, options), []);
    for (const bad of [
      "'61 2 * * *'",
      "'0 25 * * *'",
      "'@daily'",
      "'0 2 * *'",
      "'0 2-4 * * *'",
      "'0 2 * * * *'",
      "'every night'",
    ])
      assert.deepEqual(advise('w.yml', `on:\n  schedule:\n    - cron: ${bad}\n`, withDay), [], bad);
    // An hour already the cleanest, or a saving under the minimum, gives nothing.
    assert.deepEqual(advise('w.yml', "on:\n  schedule:\n    - cron: '0 4 * * *'\n", withDay), []);
  });

  it('JSONC: comments, trailing commas, nested keys and arrays', () => {
    assert.deepEqual(run('config.json'), [
      '5:28 westeurope -> swedencentral',
      '5:54 us-east-1 -> ca-central-1',
      '5:67 eu-central-1 -> eu-north-1',
    ]);
  });

  it('TOML: bare, quoted and dotted keys, arrays; not multi-line strings', () => {
    assert.deepEqual(run('pyproject.toml'), [
      '2:10 google/vit-large-patch16-224 -> google/vit-base-patch16-224',
      '3:11 us-central1 -> northamerica-northeast1',
      '4:22 europe-west3-b -> europe-west9-a',
      '5:13 asia-south1 -> asia-northeast2',
      '5:28 europe-west1 -> europe-north2',
    ]);
  });

  it('.env, Dockerfile ENV/ARG (both forms), Terraform and tfvars', () => {
    // AWS_REGION and its kind say nothing of what runs there (an S3 client? a SageMaker job?),
    // and main.tf's regions authenticate a provider, locate a resource group's metadata or sit in
    // variables nothing uses: the scanners find them, the advisor gives no advice on them.
    assert.deepEqual(run('.env'), []);
    const regions = (kind: Parameters<typeof scan>[0], name: string) =>
      scan(kind, read(name))
        .filter((c) => c.kind === 'region')
        .map((c) => c.value);
    assert.deepEqual(regions('env', '.env'), ['us-east-1', 'eu-central-1', 'asia-south1']);
    assert.deepEqual(regions('dockerfile', 'Dockerfile'), ['ap-south-1', 'asia-south1']);
    assert.deepEqual(regions('hcl', 'main.tf'), ['us-east-1', 'westeurope', 'europe-west3-a', 'asia-south1']);
    assert.deepEqual(run('Dockerfile'), ['2:16 facebook/bart-large-cnn -> sshleifer/distilbart-cnn-6-6']);
    assert.deepEqual(run('main.tf'), []);
  });

  it('Python: from_pretrained, pipeline keyword and positional, hf_hub_download, boto3; not comments or docstrings', () => {
    assert.deepEqual(run('infer.py'), [
      '6:36 bert-base-uncased -> distilbert-base-uncased',
      '8:6 microsoft/trocr-large-printed -> microsoft/trocr-base-printed',
      '10:41 facebook/bart-large-cnn -> sshleifer/distilbart-cnn-6-6',
      '11:59 google/vit-base-patch16-384 -> google/vit-base-patch16-224',
      // Line 13: an S3 client's region, where the bucket is: no advice.
    ]);
  });

  it('notebooks: code cells only, at their place in the .ipynb file', () => {
    const text = read('notebook.ipynb');
    const [f] = advise('notebook.ipynb', text, options)!;
    assert.equal(summary([f])[0], '5:98 facebook/bart-large-cnn -> sshleifer/distilbart-cnn-6-6');
    const lines = text.split('\n');
    assert.equal(lines[f.start.line].slice(f.start.character, f.end.character), 'facebook/bart-large-cnn');
  });

  it('gives exact ranges: the value without its quotes, so a replacement keeps them', () => {
    for (const name of ['k8s.yaml', 'config.json', 'pyproject.toml', '.env', 'Dockerfile', 'main.tf', 'infer.py']) {
      const text = read(name);
      const lines = text.split('\n');
      for (const f of advise(name, text, options)!) {
        assert.equal(f.start.line, f.end.line);
        assert.equal(lines[f.start.line].slice(f.start.character, f.end.character), f.value, `${name}: ${f.value}`);
      }
    }
  });

  it('knows files by name and by language id', () => {
    assert.equal(fileKind('/x/values.prod.yml'), 'yaml');
    assert.equal(fileKind('Dockerfile.gpu'), 'dockerfile');
    assert.equal(fileKind('.env.local'), 'env');
    assert.equal(fileKind('vars.tfvars'), 'hcl');
    assert.equal(fileKind('untitled-1', 'python'), 'python');
    assert.equal(fileKind('README.md'), undefined);
  });
});

describe('advisor: what it suggests', () => {
  it('matches legacy and namespaced ids, and answers in the same style', () => {
    assert.equal(suggestModel('bert-base-uncased', options)?.replacement, 'distilbert-base-uncased');
    assert.equal(
      suggestModel('google-bert/bert-base-uncased', options)?.replacement,
      'distilbert/distilbert-base-uncased',
    );
    assert.equal(suggestModel('Xenova/bart-large-cnn', options)?.replacement, 'Xenova/distilbart-cnn-6-6');
    assert.equal(modelRef('BERT-base-uncased')?.canonical, 'google-bert/bert-base-uncased');
    assert.equal(writeLike('distilbert/distilgpt2', { kind: 'legacy' }), 'distilgpt2');
  });

  it('needs evidence within the tolerance: none, no suggestion', () => {
    assert.equal(suggestModel('acme/unknown-model', options), undefined);
    // Llama 2 7B loses 17% of MMLU: not as good.
    assert.equal(suggestModel('meta-llama/Llama-2-13b-hf', options), undefined);
    assert.equal(
      suggestModel('meta-llama/Llama-2-13b-hf', { ...options, tolerancePercent: 20 })?.replacement,
      'meta-llama/Llama-2-7b-hf',
    );
    // Lower-is-better metrics: distil-whisper's WER is 15% higher on short form.
    assert.equal(suggestModel('openai/whisper-large-v3', options), undefined);
  });

  it("gives the study's energy saving where it measured both models", () => {
    const s = suggestModel('google/vit-base-patch16-384', options)!;
    assert.equal(s.evidence, 'published');
    assert.equal(s.savingPercent!.toFixed(1), ((1 - 0.0381 / 0.1229) * 100).toFixed(1));
    assert.match(
      s.quality[0],
      /68 for google\/vit-base-patch16-224 vs 61 for google\/vit-base-patch16-384 \(higher is better\)/,
    );
  });

  it('says which score is whose, whether the suggestion is better, what it saves, and cites documents', () => {
    const vit = advise('a.yaml', 'model: google/vit-base-patch16-384\n', options)![0]!;
    assert.equal(
      vit.message,
      'google/vit-base-patch16-224: 68% vs 61% top-1 accuracy for google/vit-base-patch16-384 (CIFAR-10, 100 images, the study): the suggestion is better. Input resolution 224 vs 384; 69% less energy in the study.',
    );
    const bart = advise('a.yaml', 'model: facebook/bart-large-cnn\n', options)![0]!;
    assert.match(bart.message, /within the 5% allowed\. 406 M -> 230 M parameters/);
    assert.deepEqual(
      citations(vit.suggestion.sources).map((c) => c.title),
      [
        'Reducing Carbon Footprint of AI Models Without Compromising Performance (GREEN 2023), Table III',
        'ViT paper (arXiv:2010.11929), Table 1',
      ],
      'one entry per document, no repo paths or hashes in the titles',
    );
    const region = advise('a.yaml', 'resources:\n  region: us-east1\n  instance_type: n2-standard-8\n', {
      ...options,
      dataset: 'latest',
    })![0]!;
    assert.doesNotMatch(region.message, /figures of/, 'both from the same year');
  });

  it('ranks a comparison measured on this machine above a published one', () => {
    const run = (model: string, jPerItem: number, value: number): RunSummary => ({
      runId: model,
      timestamp: '2026-11-28T10:00:00Z',
      task: 'summarization',
      model,
      device: 'cpu',
      dtype: 'fp32',
      batch: 1,
      items: 50,
      dataset: 'cnn_dailymail',
      itemsPerS: 1,
      jPerItem,
      kind: 'estimated',
      quality: { metric: 'rougeL', value, low: value - 0.02, high: value + 0.02, higherIsBetter: true },
    });
    const history = [
      run('Xenova/bart-large-cnn', 40, 0.3),
      run('Xenova/distilbart-cnn-12-6', 25, 0.298),
      run('Xenova/distilbart-cnn-6-6', 15, 0.2),
    ];
    const s = suggestModel('facebook/bart-large-cnn', { ...options, history })!;
    assert.equal(s.evidence, 'measured-here');
    assert.equal(s.replacement, 'Xenova/distilbart-cnn-12-6', '6-6 used less energy but lost too much ROUGE-L');
    assert.equal(s.savingPercent!.toFixed(1), '37.5');
  });

  it('language models: no smaller one from the model cards when they lose, one from your own comparison when it holds', () => {
    // Llama 3.2 1B Instruct loses 14 to 33 points to 3B on its cards' MMLU, GSM8K and IFEval.
    assert.equal(suggestModel('meta-llama/Llama-3.2-3B-Instruct', options), undefined);
    assert.equal(suggestModel('onnx-community/Llama-3.2-3B-Instruct', options), undefined);
    const run = (model: string, jPerItem: number, value: number): RunSummary => ({
      runId: model,
      timestamp: '2026-12-01T10:00:00Z',
      task: 'text-generation',
      model,
      device: 'cuda',
      dtype: 'q4f16',
      batch: 1,
      items: 100,
      dataset: 'support-questions.jsonl',
      itemsPerS: 1,
      jPerItem,
      kind: 'measured',
      quality: { metric: 'normalised-match', value, low: value - 0.09, high: value + 0.09, higherIsBetter: true },
    });
    const s = suggestModel('onnx-community/Llama-3.2-3B-Instruct', {
      ...options,
      history: [
        run('onnx-community/Llama-3.2-3B-Instruct', 30, 0.82),
        run('onnx-community/Llama-3.2-1B-Instruct', 12, 0.81),
      ],
    })!;
    assert.equal(s.evidence, 'measured-here', 'on your own prompts the 1B answered as well');
    assert.equal(s.replacement, 'onnx-community/Llama-3.2-1B-Instruct');
    assert.equal(s.savingPercent!.toFixed(0), '60');
    assert.match(s.quality[0]!, /normalised-match: 0\.810 .* vs 0\.820 .* on 100 items of support-questions\.jsonl/);
  });

  it('suggests a cleaner region of the same provider, in scope, above the minimum saving', () => {
    const continent = { ...options, regionScope: 'continent' as const };
    const s = suggestRegion('europe-west3-b', continent)!;
    assert.equal(s.provider, 'gcp');
    assert.equal(s.from.region, 'europe-west3');
    assert.match(s.replacement, /^europe-[a-z]+\d+-[a-z]$/, 'a zone gets a zone');
    assert.ok(s.to.gco2PerKwh < s.from.gco2PerKwh);
    assert.ok(s.savingPercent >= 20);
    assert.equal(suggestRegion('europe-west3-b', options), undefined, 'Berlin is no cleaner than Frankfurt');
    assert.match(suggestRegion('us-central1', options)!.replacement, /^us-/, 'the same country by default');
    assert.match(suggestRegion('us-central1', continent)!.replacement, /^(us|northamerica)-/, 'the same continent');
    // AWS's cleanest US region (us-west-2, 322 g) saves 15% on us-east-1 (379 g): under the minimum.
    assert.equal(suggestRegion('us-east-1', { ...options, regionScope: 'country' }), undefined);
    assert.equal(suggestRegion('europe-north2', options), undefined, 'already the cleanest');
    assert.equal(suggestRegion('not-a-region', options), undefined);
  });
});

describe('advisor: bad input', () => {
  const corpus: [string, string][] = [];
  for (const name of [
    'k8s.yaml',
    'config.json',
    'pyproject.toml',
    'main.tf',
    'infer.py',
    'notebook.ipynb',
    'Dockerfile',
    '.env',
  ]) {
    const text = read(name);
    for (let cut = 1; cut < text.length; cut += 7) corpus.push([name, text.slice(0, cut)]);
  }
  const binary = Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  for (const name of ['x.yaml', 'x.json', 'x.toml', 'x.tf', 'x.py', 'x.ipynb', 'Dockerfile', '.env']) {
    corpus.push(
      [name, binary],
      [name, 'model: "'.repeat(20_000)],
      [name, `region: ${'a'.repeat(1_000_000)}`],
      [name, '['.repeat(50_000)],
      [name, '"""'.repeat(10_000)],
      [name, '\t- region: us-east-1\n'.repeat(1000)],
    );
  }

  // A hang fails through the test's own timeout, far beyond a loaded machine (the corpus takes about
  // 2 s on one idle core); no input is timed here: the speed on bad input is bench/advisorScan.ts's.
  it(`never throws or hangs on ${corpus.length} truncated, binary, huge and malformed inputs`, {
    timeout: 300_000,
  }, () => {
    for (const [name, text] of corpus) {
      const findings = advise(name, text, options);
      assert.ok(Array.isArray(findings), `${name}: ${JSON.stringify(text.slice(0, 40))}`);
      // Work bounded by the input: no more findings than characters.
      assert.ok(findings.length <= text.length, name);
    }
  });

  it('reports nothing past a syntax error in JSON, and nothing at all in invalid TOML', () => {
    assert.deepEqual(
      scan('json', '{ "region": "us-east-1", oops "zone": "eu-west-1a" }').map((c) => c.value),
      ['us-east-1'],
    );
    assert.deepEqual(scan('toml', 'region = "us-east-1"\n[broken'), []);
    assert.deepEqual(scan('yaml', 'region:\tus-east-1\n'), [], 'a tab before the value is not a plain scalar');
    assert.deepEqual(scan('json', `${'['.repeat(300)}"us-east-1"${']'.repeat(300)}`), [], 'too deep to be a config');
  });
});
