// Region advice a user can accept: each wrong-finding class of issue 32 on the region side, on
// small fixtures written for these tests (test/fixtures/advisor/regions/).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adviseFile, type Finding } from '../../src/core/advisor/advise';
import { percentText } from '../../src/core/advisor/percent';
import { acceleratorZones, partitionOf, zonesOf } from '../../src/core/advisor/regionData';
import { isRecordedOutput, isTestPath } from '../../src/core/advisor/testPaths';
import { DEFAULT_ADVISOR_OPTIONS, suggestRegion } from '../../src/core/advisor/suggest';
import { DATASET_NAMES, dataset } from '../../src/core/carbon/datasets';
import { runMain } from './runMain';
import { tempDir } from '../support/tempDir';

const dir = join(__dirname, '../../../test/fixtures/advisor/regions');
const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true };
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const advise = (name: string, opts = options, text = read(name), related: { fileName: string; text: string }[] = []) =>
  adviseFile(name, text, opts, undefined, related)!;

/** The text after a finding's edits (applied from the end, as an editor does). */
function applied(text: string, f: Finding): string {
  const lines = text.split('\n');
  for (const e of [...f.edits!].sort((a, b) => b.start.line - a.start.line || b.start.character - a.start.character)) {
    assert.equal(e.start.line, e.end.line);
    const l = lines[e.start.line]!;
    lines[e.start.line] = l.slice(0, e.start.character) + e.newText + l.slice(e.end.character);
  }
  return lines.join('\n');
}

describe('advisor regions: roles, not strings', { timeout: 60_000 }, () => {
  it('gives no advice for a bucket, ECR Public, Identity Center, an existing subnet or a resource group', () => {
    const r = advise('not-workloads.tf');
    assert.deepEqual(r.findings, []);
    const why = Object.fromEntries(r.notes.map((n) => [n.value, n.message]));
    assert.match(why['us-east-1']!, /aliased provider/);
    assert.match(why['us-east-2']!, /identity_center_region: a resource that does not move/);
    assert.match(why['us-east1']!, /data google_compute_subnetwork: reads an existing resource/);
    assert.match(why.westeurope!, /azurerm_resource_group: a location for metadata/);
  });

  it("a storage secret's S3 region and AWS_DEFAULT_REGION beside an in-cluster endpoint get no advice", () => {
    for (const name of ['storage-secret.yaml', 'minio.env']) {
      const r = advise(name, { ...options, regionScope: 'any' });
      assert.deepEqual(r.findings, [], name);
      assert.match(r.notes[0]!.message, /bucket or an S3 endpoint/, name);
    }
  });

  it('a provider region with no workload beside it is for authentication; with one, it is the workload region', () => {
    const alone = 'provider "google" {\n  region = "us-east1"\n}\n';
    assert.deepEqual(advise('auth.tf', options, alone).findings, []);
    assert.match(advise('auth.tf', options, alone).notes[0]!.message, /used to authenticate/);
    const withCluster = `${alone}resource "google_container_cluster" "c" {\n  name = "c"\n}\n`;
    assert.equal(advise('gke.tf', options, withCluster).findings[0]?.suggestion.replacement, 'us-west1');
  });

  it('Python: an s3 client stays, a SageMaker client is a workload', () => {
    const text =
      'import boto3\ns3 = boto3.client("s3", region_name="us-east-2")\nsm = boto3.client("sagemaker", region_name="us-east-2")\n';
    const r = advise('jobs.py', options, text);
    assert.deepEqual(
      r.findings.map((f) => [f.start.line + 1, f.value]),
      [[3, 'us-east-2']],
    );
    assert.match(r.notes[0]!.message, /the s3 client/);
  });

  it('a storage key anywhere above a value outranks a workload word below it', () => {
    const yaml = 'inference:\n  s3:\n    endpoint:\n      region: us-east-2\n';
    const r = advise('app.yaml', options, yaml);
    assert.deepEqual(r.findings, []);
    assert.match(r.notes[0]!.message, /under s3: a resource that does not move/);
    const job = 'training_job:\n  compute:\n    region: us-east1\n';
    assert.equal(advise('job.yaml', options, job).findings[0]?.suggestion.replacement, 'us-west1');
  });

  it('an unknown role gets no advice, and a hover says why', () => {
    const r = advise('settings.yaml', options, 'cloud:\n  region: us-east1\n');
    assert.deepEqual(r.findings, []);
    assert.match(r.notes[0]!.message, /nothing around it says a workload runs there/);
    const label = advise('node.yaml', options, 'metadata:\n  labels:\n    topology.kubernetes.io/region: us-east1\n');
    assert.deepEqual(label.findings, []);
    assert.match(label.notes[0]!.message, /node label/);
  });
});

describe('advisor regions: fixes that keep configs valid', { timeout: 60_000 }, () => {
  it('a zone stays a zone: a zonal cluster is never made regional', () => {
    const text = read('zonal-cluster.tf');
    const [f] = advise('zonal-cluster.tf', options, text).findings;
    assert.ok(f);
    assert.equal(f.value, 'us-central1-a');
    assert.match(f.suggestion.replacement, /^us-west1-[a-z]$/, 'a zone of the new region, not the region');
    const after = applied(text, f);
    assert.doesNotMatch(after, /us-central1/, 'zones, node locations and the subnetwork path moved together');
    assert.match(after, /location {7}= "us-west1-a"/);
    assert.match(after, /node_locations = "us-west1-b,us-west1-c"/);
    assert.match(after, /regions\/us-west1\/subnetworks\/serve/);
    assert.match(f.message, /must exist in us-west1/);
    // Packer's "zone" in JSON beside a machine type: a zone again.
    const packer =
      '{"builders": [{"type": "googlecompute", "zone": "us-central1-a", "machine_type": "n2-standard-8"}]}';
    assert.match(advise('packer.json', options, packer).findings[0]!.suggestion.replacement, /^us-west1-[a-z]$/);
    const hcl =
      'source "googlecompute" "img" {\n  zone         = "us-central1-a"\n  machine_type = "n2-standard-8"\n}\nsource "amazon-ebs" "ami" {\n  region        = "us-east-2"\n  instance_type = "p4d.24xlarge"\n}\n';
    const r = advise('image.pkr.hcl', options, hcl);
    assert.deepEqual(
      r.findings.map((f) => [f.value, f.suggestion.replacement]),
      [['us-central1-a', 'us-west1-a']],
    );
    assert.match(r.notes[0]!.message, /Packer amazon-ebs: the image is built where it will be used/);
  });

  it('a Terraform module: the region default, its multi-line zone list and the cluster move in one fix; the bucket stays', () => {
    const files = ['variables.tf', 'main.tf'].map((n) => ({
      fileName: join(dir, 'gke-module', n),
      text: read(join('gke-module', n)),
    }));
    const [vars, main] = files;
    const r = advise(vars!.fileName, options, vars!.text, [main!]);
    assert.equal(r.findings.length, 1);
    const f = r.findings[0]!;
    assert.deepEqual([f.start.line + 1, f.value, f.suggestion.replacement], [4, 'us-central1', 'us-west1']);
    const after = applied(vars!.text, f);
    assert.match(after, /default {5}= "us-west1"/);
    assert.match(after, /"us-west1-a",\n {4}"us-west1-b",/);
    assert.match(after, /variable "state_bucket_location" \{\n {2}default = "us-central1"/, 'the bucket does not move');
    assert.ok(r.notes.some((n) => /google_storage_bucket: a resource that does not move/.test(n.message)));
    // main.tf names no region itself: nothing there, nothing left behind.
    assert.deepEqual(advise(main!.fileName, options, main!.text, [vars!]).findings, []);
  });

  it('module inputs, tfvars and locals take the role of what uses them', () => {
    const gke =
      'module "gke" {\n  source = "terraform-google-modules/kubernetes-engine/google"\n  region = "us-east1"\n  zones  = ["us-east1-b", "us-east1-c"]\n}\n';
    const [m] = advise('main.tf', options, gke).findings;
    assert.deepEqual([m?.value, m?.suggestion.replacement], ['us-east1', 'us-west1']);
    assert.deepEqual(
      m!.edits!.map((e) => e.newText),
      ['us-west1', 'us-west1-a', 'us-west1-b'],
    );
    const storage = gke.replace('kubernetes-engine', 'cloud-storage').replace('"gke"', '"buckets"');
    assert.deepEqual(advise('main.tf', options, storage).findings, []);
    // A key that says cluster, given to a module that says nothing of what it creates: no advice.
    const output =
      'module "output" {\n  source         = "./modules/output-benchmark"\n  cluster_region = "us-east1"\n}\n';
    assert.deepEqual(advise('main.tf', options, output).findings, []);
    const main = 'resource "google_compute_instance" "vm" {\n  zone = local.zone\n  name = var.name\n}\n';
    const vars = 'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n';
    // terraform.tfvars: `region` feeds a bucket here, so it stays; a local used by an instance moves.
    assert.deepEqual(
      advise('/m/terraform.tfvars', options, 'region = "us-east-1"\n', [{ fileName: '/m/vars.tf', text: vars }])
        .findings,
      [],
    );
    const locals = `locals {\n  zone = "us-east1-b"\n}\n${main}`;
    assert.equal(advise('/m/main.tf', options, locals).findings[0]?.suggestion.replacement, 'us-west1-a');
  });

  it('a workload bound to an existing resource of its region does not move alone; a subnet created with it moves', () => {
    const vars =
      'variable "region" {\n  default = "us-central1"\n}\nvariable "gke_location" {\n  default = "us-central1-a"\n}\n';
    const bound =
      'data "google_container_cluster" "existing" {\n  location = var.region\n}\nresource "google_container_node_pool" "p" {\n  location = var.gke_location\n}\n';
    const r = advise('/m/variables.tf', options, vars, [{ fileName: '/m/main.tf', text: bound }]);
    assert.deepEqual(r.findings, []);
    assert.match(r.notes.find((n) => n.value === 'us-central1-a')!.message, /us-central1 on line 2 stays/);
    const created =
      'resource "google_compute_subnetwork" "s" {\n  region = var.region\n}\nresource "google_container_node_pool" "p" {\n  location = var.gke_location\n}\n';
    const [f] = advise('/m/variables.tf', options, vars, [{ fileName: '/m/main.tf', text: created }]).findings;
    assert.deepEqual(
      f!.edits!.map((e) => e.newText),
      ['us-west1', 'us-west1-a'],
    );
  });

  it('a location that reaches a cluster through a resource group and a local is a workload; Azure zones get no quick fix', () => {
    const vars = 'variable "location" {\n  default = "centralus"\n}\n';
    const main = [
      'resource "azurerm_resource_group" "main" {',
      '  location = var.location',
      '}',
      'locals {',
      '  resource_group = {',
      '    location = var.location',
      '  }',
      '}',
      'module "aks" {',
      '  source   = "../.."',
      '  location = local.resource_group.location',
      '}',
    ].join('\n');
    const [f] = advise('/m/variables.tf', options, vars, [{ fileName: '/m/main.tf', text: main }]).findings;
    assert.equal(f?.suggestion.replacement, 'westcentralus');
    assert.equal(f!.edits!.length, 1);
    const zoned = main.replace(
      '  location = local.resource_group.location',
      '  location = local.resource_group.location\n  agents_availability_zones = ["1", "2"]',
    );
    const [z] = advise('/m/variables.tf', options, vars, [{ fileName: '/m/main.tf', text: zoned }]).findings;
    assert.deepEqual(z!.edits, []);
    assert.match(z!.noFix!, /Azure availability zones/);
  });

  it('no quick fix when another file of the module names the same region', () => {
    const vars = 'variable "region" {\n  default = "us-central1"\n}\n';
    const main =
      'resource "google_container_cluster" "c" {\n  location = var.region\n  subnetwork = "projects/p/regions/us-central1/subnetworks/s"\n}\n';
    const [f] = advise('/m/variables.tf', options, vars, [{ fileName: '/m/main.tf', text: main }]).findings;
    assert.ok(f);
    assert.deepEqual(f.edits, []);
    assert.match(f.noFix!, /main\.tf in this module also name us-central1/);
    assert.match(f.message, /No quick fix/);
  });

  it('a TPU v5e pool goes only where v5e exists, to a zone that offers it', () => {
    const [f] = advise('tpu-pool.tf').findings;
    assert.ok(f);
    assert.ok(acceleratorZones('gcp', 'tpu-v5e')!.includes(f.suggestion.replacement), f.suggestion.replacement);
    assert.match(f.message, /offers TPU v5e/);
    // Europe: no v5e zone in the data on the continent, so no advice (and the hover says so).
    const eu = read('tpu-pool.tf').replace('us-central1-a', 'europe-west4-b');
    const r = advise('tpu-pool.tf', { ...options, regionScope: 'continent' }, eu);
    assert.deepEqual(r.findings, []);
    assert.match(r.notes[0]!.message, /offers TPU v5e/);
    // L4 (a G2 machine): a zone of the suggestion that offers it.
    const l4 = read('tpu-pool.tf').replace('ct5lp-hightpu-4t', 'g2-standard-8');
    const g2 = advise('l4.tf', options, l4).findings[0];
    assert.ok(g2 && acceleratorZones('gcp', 'l4')!.includes(g2.suggestion.replacement), g2?.suggestion.replacement);
    // An accelerator the data does not cover (A10G on GCP): no advice rather than a guess.
    const a10g = read('tpu-pool.tf').replace('ct5lp-hightpu-4t', 'A10G');
    assert.match(advise('a10g.tf', options, a10g).notes[0]!.message, /no data on which gcp regions offer it/);
  });

  it('partitions never cross: GovCloud and China stay in their partitions', () => {
    const r = advise('partitions.tf', { ...options, regionScope: 'any' });
    assert.deepEqual(r.findings, []);
    assert.match(r.notes[0]!.message, /aws-us-gov partition/);
    assert.match(r.notes[1]!.message, /aws-cn partition/);
    assert.equal(partitionOf('azure', 'usgovvirginia'), 'azure-us-gov');
    assert.equal(partitionOf('azure', 'chinanorth3'), 'azure-china');
    for (const value of ['us-gov-east-1', 'cn-north-1', 'cn-northwest-1'])
      assert.equal(suggestRegion(value, { ...options, regionScope: 'any' }), undefined, value);
  });
});

describe('advisor regions: borders, messages and data', { timeout: 60_000 }, () => {
  it('stays in the same country by default; a suggestion abroad names both countries', () => {
    const home = advise('skypilot.yaml').findings[0]!;
    assert.equal(home.suggestion.replacement, 'us-west1');
    assert.doesNotMatch(home.message, /not United States/);
    const abroad = advise('skypilot.yaml', { ...options, regionScope: 'continent' }).findings[0]!;
    assert.equal(abroad.suggestion.replacement, 'northamerica-northeast1');
    assert.match(abroad.message, /northamerica-northeast1 is in Canada, not United States/);
    assert.equal(DEFAULT_ADVISOR_OPTIONS.regionScope, 'country');
  });

  it('gives exact percentages: 99.5% less, never 100% unless it is all of it', () => {
    assert.equal(percentText(99.62), '99.6%');
    assert.equal(percentText(99.97), '99.9%');
    assert.equal(percentText(100), '100%');
    assert.equal(percentText(80.4), '80%');
    const any = advise('skypilot.yaml', { ...options, regionScope: 'any' }).findings[0]!;
    assert.equal(any.suggestion.replacement, 'europe-north2');
    assert.match(any.message, /emits 99\.5% less than us-east1/);
    assert.doesNotMatch(any.message, /100% less/);
  });

  it('every region has a place name, and every zone listed belongs to its region', () => {
    for (const name of DATASET_NAMES)
      for (const r of dataset(name).regions()) assert.ok(r.location.trim(), `${name}: ${r.provider} ${r.region}`);
    assert.deepEqual(zonesOf('gcp', 'europe-west1'), ['europe-west1-b', 'europe-west1-c', 'europe-west1-d']);
    assert.equal(zonesOf('gcp', 'europe-north2'), undefined, 'not in the data: no zone is invented');
  });

  it('says why a clean region gets no advice', () => {
    const r = advise('clean.yaml', options, 'resources:\n  region: us-west1\n  instance_type: n2-standard-8\n');
    assert.deepEqual(r.findings, []);
    assert.match(r.notes[0]!.message, /already among the cleanest in United States/);
  });
});

describe('advisor regions: test data and recorded outputs', { timeout: 60_000 }, () => {
  it('knows test paths and recorded describe output', () => {
    for (const p of [
      'test/fixtures/a.yaml',
      'pkg/testdata/region.json',
      'src/__fixtures__/x.tf',
      'tests/conftest.py',
      'test_regions.py',
      'region_test.go',
      'out/describe.golden',
    ])
      assert.ok(isTestPath(p), p);
    for (const p of ['deploy/main.tf', 'src/contest.py', 'latest/values.yaml']) assert.ok(!isTestPath(p), p);
    assert.ok(isRecordedOutput('{"kind": "compute#instance", "zone": "us-central1-a"}'));
    assert.ok(
      isRecordedOutput('{"Reservations": [{"Instances": [{"Placement": {"AvailabilityZone": "us-east-1a"}}]}]}'),
    );
    assert.ok(
      isRecordedOutput(
        '{"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/x", "location": "eastus"}',
      ),
    );
    assert.ok(!isRecordedOutput('resources:\n  region: us-east1\n'));
  });

  it('skips them when told to (the CLI and the editor do by default), and reads them when asked', () => {
    const text = read('skypilot.yaml');
    assert.equal(adviseFile('tests/skypilot.yaml', text, { ...options, includeTests: false })!.findings.length, 0);
    assert.equal(adviseFile('tests/skypilot.yaml', text, { ...options, includeTests: true })!.findings.length, 1);
  });

  it('scan: test folders skipped by default, --include-tests reads them; a failed --schedule-place keeps the other findings', async () => {
    const root = tempDir('cl-regions-');
    writeFileSync(join(root, 'sky.yaml'), read('skypilot.yaml'));
    const tests = join(root, 'tests');
    mkdirSync(tests);
    writeFileSync(join(tests, 'sky.yaml'), read('skypilot.yaml'));
    const files = (out: string) => (JSON.parse(out) as { file: string }[]).map((f) => f.file.slice(root.length + 1));
    const r = await runMain('scan', root, '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(files(r.out), ['sky.yaml']);
    assert.deepEqual(files((await runMain('scan', root, '--json', '--include-tests')).out).sort(), [
      'sky.yaml',
      join('tests', 'sky.yaml'),
    ]);
    const saved = { url: process.env.CARBONLENS_UK_INTENSITY_URL, cache: process.env.CARBONLENS_CACHE };
    // Nothing listens on port 1: the typical day cannot be fetched.
    process.env.CARBONLENS_UK_INTENSITY_URL = 'http://127.0.0.1:1';
    process.env.CARBONLENS_CACHE = tempDir('cl-regions-cache-');
    try {
      const offline = await runMain('scan', root, '--json', '--schedule-place', 'GB');
      assert.equal(offline.code, 0, offline.err);
      assert.deepEqual(files(offline.out), ['sky.yaml'], 'the region finding is still there');
    } finally {
      if (saved.url === undefined) delete process.env.CARBONLENS_UK_INTENSITY_URL;
      else process.env.CARBONLENS_UK_INTENSITY_URL = saved.url;
      if (saved.cache === undefined) delete process.env.CARBONLENS_CACHE;
      else process.env.CARBONLENS_CACHE = saved.cache;
    }
    assert.ok(readdirSync(root).includes('sky.yaml'));
  });
});

describe('advisor regions: Terraform modules read as a whole (corpus misses)', { timeout: 60_000 }, () => {
  const tf = (fileName: string, text: string) => ({ fileName, text });
  const cluster = tf(
    'main.tf',
    [
      'resource "google_container_cluster" "main" {',
      '  location = var.region',
      '}',
      'data "google_container_engine_versions" "v" {',
      '  location = var.region',
      '}',
    ].join('\n'),
  );
  const variables = 'variable "region" {\n  default = "us-central1"\n}\n';

  it('a look-up that answers in any region does not hold a variable back', () => {
    const r = advise('variables.tf', options, variables, [cluster]);
    assert.equal(r.findings[0]?.suggestion.replacement, 'us-west1');
  });

  it('a key ring created beside the cluster moves with it; an existing one keeps it', () => {
    const kms = (kind: string) => tf('kms.tf', `${kind} "google_kms_key_ring" "ring" {\n  location = var.region\n}\n`);
    assert.equal(advise('variables.tf', options, variables, [cluster, kms('resource')]).findings.length, 1);
    const existing = advise('variables.tf', options, variables, [cluster, kms('data')]);
    assert.deepEqual(existing.findings, []);
    assert.match(existing.notes[0]!.message, /data google_kms_key_ring/);
  });

  it('a data source read after the module made the cluster follows it; one read after enabling APIs does not', () => {
    const readAfter = (dependsOn: string) =>
      tf(
        'data.tf',
        `data "google_container_cluster" "c" {\n  location = var.region\n  depends_on = [${dependsOn}]\n}\n`,
      );
    assert.equal(
      advise('variables.tf', options, variables, [cluster, readAfter('module.gke_standard')]).findings.length,
      1,
    );
    assert.deepEqual(
      advise('variables.tf', options, variables, [cluster, readAfter('module.project-services')]).findings,
      [],
    );
  });

  it('a data source left out by count is no use; an existing subnetwork in force keeps the cluster', () => {
    const main = tf(
      'main.tf',
      [
        'data "google_compute_subnetwork" "s" {',
        '  count  = var.create_network ? 0 : 1',
        '  region = var.subnetwork_region',
        '}',
        'resource "google_container_cluster" "main" {',
        '  location = var.cluster_location',
        '}',
        'variable "subnetwork_region" {',
        '  default = "us-central1"',
        '}',
      ].join('\n'),
    );
    const created = advise('new.tfvars', options, 'create_network = true\ncluster_location = "us-central1"\n', [main]);
    assert.equal(created.findings[0]?.suggestion.replacement, 'us-west1');
    const existing = advise('old.tfvars', options, 'create_network = false\ncluster_location = "us-central1"\n', [
      main,
    ]);
    assert.deepEqual(existing.findings, []);
    assert.match(existing.notes[0]!.message, /existing resource of the module stays .*var\.subnetwork_region/);
  });

  it('pools a switch turns off name no accelerator; other tfvars files beside it are not read with it', () => {
    const main = tf('main.tf', 'resource "google_container_cluster" "main" {\n  location = var.cluster_location\n}\n');
    const text = [
      'cluster_location = "us-central1"',
      'gpu_pools = [{',
      '  accelerator_type = "nvidia-l4"',
      '}]',
      'enable_tpu = false',
      'tpu_pools = [{',
      '  machine_type = "ct4p-hightpu-4t"',
      '}]',
    ].join('\n');
    const other = tf('tpu.tfvars', 'tpu_pools = [{\n  machine_type = "ct4p-hightpu-4t"\n}]\n');
    const f = advise('gpu.tfvars', options, text, [main, other]).findings[0];
    assert.ok(f);
    assert.match(f.message, /offers L4/);
    assert.match(
      advise('gpu.tfvars', options, text.replace('enable_tpu = false', 'enable_tpu = true'), [main]).notes[0]!.message,
      /TPU v4/,
    );
  });

  it('scan reads a tfvars folder with the module above it, and never a module file outside its root', async () => {
    const root = tempDir('carbonlens-tfmodule-');
    const inside = join(root, 'repo');
    mkdirSync(join(inside, 'sample-tfvars'), { recursive: true });
    writeFileSync(join(inside, 'main.tf'), cluster.text);
    // `region` says nothing by its name: only the module's use of var.region makes it a workload's.
    writeFileSync(join(inside, 'sample-tfvars', 'a.tfvars'), 'region = "us-central1"\n');
    const json = async (path: string) => JSON.parse((await runMain('scan', path, '--json')).out) as unknown[];
    assert.equal((await json(inside)).length, 1);
    // Scanned from the tfvars folder, the module above is outside the root: the value has no role.
    assert.deepEqual(await json(join(inside, 'sample-tfvars')), []);
  });
});
