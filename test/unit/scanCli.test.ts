import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runMain } from './runMain';
import { tempDir } from '../support/tempDir';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');

describe('carbonlens scan', () => {
  it('prints findings as JSON with 1-based positions, the suggestion and its evidence', async () => {
    const r = await runMain('scan', path.join(fixtures, 'demo-workspace'), '--json');
    assert.equal(r.code, 0, r.err);
    const findings = JSON.parse(r.out);
    const yaml = findings.filter((f: { file: string }) => f.file.endsWith('deploy.yaml'));
    assert.deepEqual(
      yaml.map((f: Record<string, unknown>) => [f.line, f.column, f.kind, f.value, f.suggestion]),
      [
        [2, 8, 'model', 'google/vit-base-patch16-384', 'google/vit-base-patch16-224'],
        [5, 11, 'region', 'asia-south1', 'asia-south2'],
      ],
    );
    assert.equal(yaml[0].evidence.kind, 'published');
    assert.ok(yaml[0].saving_percent > 60, 'the study measured 69% less energy');
    assert.equal(yaml[1].evidence.kind, 'dataset');
    assert.ok(yaml[1].saving_percent > 20);
  });

  it('fails a CI job with --fail-on when such a finding exists', async () => {
    const dir = tempDir('cl-scan-');
    writeFileSync(path.join(dir, 'values.yaml'), 'region: europe-north2\nmodel: acme/own-model\n');
    assert.equal((await runMain('scan', dir, '--fail-on', 'any')).code, 0, 'nothing to suggest');
    writeFileSync(
      path.join(dir, 'train.py'),
      'from transformers import AutoModel\nAutoModel.from_pretrained("bert-base-uncased")\n',
    );
    assert.equal((await runMain('scan', dir, '--fail-on', 'region')).code, 0);
    const r = await runMain('scan', dir, '--fail-on', 'model');
    assert.equal(r.code, 3, 'a finding asked to be flagged: exit 3, not 1, which is a failed run');
    assert.match(r.out, /train\.py:2:28: model bert-base-uncased -> distilbert-base-uncased/);
  });

  it('prints paths the way they were given: an absolute path stays absolute', async () => {
    const dir = tempDir('cl-scan-');
    writeFileSync(path.join(dir, 'sky.yaml'), 'model:\n  name: google/vit-base-patch16-384\n');
    const r = await runMain('scan', dir);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(`${path.join(dir, 'sky.yaml')}:2:9: model google/vit-base-patch16-384`), r.out);
  });

  it('explains bad arguments', async () => {
    assert.equal((await runMain('scan')).code, 2);
    assert.equal((await runMain('scan', '.', '--fail-on', 'everything')).code, 2);
    assert.match((await runMain('scan', '/no/such/path')).err, /does not exist/);
  });
});
