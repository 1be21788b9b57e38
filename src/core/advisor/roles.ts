// The role of a region or zone in its config, from its context: where a workload runs (advice),
// where a resource lives that does not move with it (a bucket, registry, identity, existing
// network: no advice), or metadata and authentication (no advice). Unknown stays unknown: the
// advisor gives no advice on a region whose role it cannot tell.
import type { Candidate } from './candidates';

export type RegionRole = 'workload' | 'static' | 'metadata' | 'unknown';

export interface RegionContext {
  /** Enclosing blocks, outermost first: YAML/JSON keys, TOML tables, HCL block headers (`resource google_container_cluster primary`). */
  path: string[];
  /** Keys of the same mapping or block. */
  siblings: string[];
  /** Terraform: where the variable or local that holds this value is used, each with its context and key. */
  uses?: { key: string; context: RegionContext }[];
  /** Terraform: whether the module has a workload resource (for an unaliased provider's region). */
  moduleHasWorkload?: boolean;
  /** Terraform: a module block's `source`. */
  moduleSource?: string;
  /** Terraform: the enclosing block's `count` (`var.create_network ? 0 : 1`) and `depends_on` expressions. */
  block?: { count?: string; dependsOn?: string };
}

/** A region candidate with what its scanner saw around it. */
export interface RegionCandidate extends Candidate {
  context?: RegionContext;
}

export interface RoleVerdict {
  role: RegionRole;
  /** Why, for a hover: "the region of a bucket: data stays where it is". */
  why: string;
  /**
   * Something a workload of the same region is bound to (an existing cluster or subnet read by a
   * data source, a network): the workload cannot move without it.
   */
  anchors?: boolean;
  /** A resource this module creates: it is created again wherever the workload goes. */
  created?: boolean;
}

/** Attaches a context to the region candidates a scanner pushed since `from`. */
export function attachContext(out: Candidate[], from: number, context: RegionContext): void {
  for (let i = from; i < out.length; i++) if (out[i].kind === 'region') (out[i] as RegionCandidate).context = context;
}

/** `topology.kubernetes.io/region` -> `topology_kubernetes_io_region`; keys repeat, so each is worked out once. */
const normed = new Map<string, string>();
function norm(s: string): string {
  let n = normed.get(s);
  if (n === undefined) {
    if (normed.size > 10_000) normed.clear();
    n = s.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    normed.set(s, n);
  }
  return n;
}

/** Sibling keys normalised once per mapping (many values share one), refreshed when it grows. */
const normalisedKeys = new WeakMap<string[], { length: number; keys: string[] }>();
function normalised(keys: string[]): string[] {
  const hit = normalisedKeys.get(keys);
  if (hit && hit.length === keys.length) return hit.keys;
  const n = keys.map(norm);
  normalisedKeys.set(keys, { length: keys.length, keys: n });
  return n;
}

const STATIC_WORD =
  /(^|_)(bucket|buckets|s3|storage|gcs|blob|backup|backups|ecr|ecrpublic|registry|artifact|artifacts|kms|keyring|key_ring|key_vault|identity|identitystore|sso|ssoadmin|iam|state|tfstate|bigquery|dataset|database|db|sql|spanner|secret|secrets|log|logs|logging|archive|replica|replication|cdn)(_|$)/;
/** An existing or shared resource (a host project's subnet): the workload is bound to it. */
const EXISTING_WORD = /(^|_)(existing|shared|host_project)(_|$)/;
const WORKLOAD_WORD =
  /(^|_)(cluster|clusters|node_pool|node_pools|nodepool|nodepools|node_group|node_groups|nodegroup|instance|instances|vm|vms|compute|gpu|gpus|tpu|tpus|accelerator|accelerators|training|train|trainer|job|jobs|batch|serving|inference|endpoint|endpoints|worker|workers|notebook|workbench|vertex|vertexai|sagemaker|gke|eks|aks|kubernetes|k8s|deploy|deployment|resources)(_|$)/;
const METADATA_KEY = /^(topology|failure_domain)_(beta_)?kubernetes_io_(region|zone)$/;

const WORKLOAD_RESOURCE =
  /^(google_(container_(cluster|node_pool)|compute_(instance|instance_template|region_instance_template|instance_group_manager|region_instance_group_manager|instance_from_template)|tpu_(node|v2_vm|v2_queued_resource)|vertex_ai_\w+|cloud_run(_v2)?_(service|job)|cloudfunctions2?_function|workbench_instance|notebooks_instance|dataproc_cluster|dataflow_\w*job|cloud_batch\w*)|aws_(instance|launch_template|eks_(cluster|node_group|fargate_profile)|autoscaling_group|sagemaker_\w+|batch_\w+|ecs_\w+|emr_\w+|lambda_function|spot_instance_request|ec2_fleet)|azurerm_(kubernetes_cluster(_node_pool)?|(linux|windows)_virtual_machine(_scale_set)?|virtual_machine(_scale_set)?|machine_learning_(compute_\w+|inference_cluster)|container_group|container_app\w*|batch_\w+|(linux|windows)?_?function_app\w*|cognitive_deployment))$/;
const HCL_BLOCK = /^(resource|data|provider|module|backend|variable|locals|output|terraform|source) /;
const NETWORK_RESOURCE =
  /^(google_compute_(subnetwork|network|router|router_nat|firewall|address|global_address)|aws_(subnet|vpc|route_table|nat_gateway|internet_gateway|security_group|eip)|azurerm_(subnet|virtual_network|network_security_group|public_ip))$/;
const LOOKUP_DATA =
  /^(google_(container_engine_versions|compute_zones|compute_regions|client_config|client_openid_userinfo|compute_machine_types|project)|aws_(availability_zones|region|regions|caller_identity|partition|ec2_instance_type_offerings?|eks_cluster_versions)|azurerm_(client_config|kubernetes_service_versions|subscription))$/;
const METADATA_RESOURCE = /^(azurerm_resource_group|google_project\w*|aws_organizations_\w+)$/;

/** What a Terraform block header says: `resource TYPE NAME`, `data TYPE NAME`, `provider NAME`, `module NAME`, `backend TYPE`. */
function blockRole(header: string, ctx: RegionContext): RoleVerdict | 'provider' | undefined {
  const [kind, type = '', name = ''] = header.split(' ');
  if (kind === 'resource') {
    if (WORKLOAD_RESOURCE.test(type)) return { role: 'workload', why: `where ${type} runs` };
    if (METADATA_RESOURCE.test(type))
      return { role: 'metadata', why: `${type}: a location for metadata, not where anything runs` };
    // A network created here is re-created with the workload; one that holds data is not.
    if (NETWORK_RESOURCE.test(type))
      return { role: 'unknown', why: `${type}: created here, it moves with the workload that uses it` };
    if (STATIC_WORD.test(norm(type)))
      return { role: 'static', why: `${type}: a resource that does not move with the workload`, created: true };
    return { role: 'unknown', why: `${type}: not a resource the advisor knows runs work` };
  }
  // A look-up that answers in every region (versions, zones, the caller): it follows the workload.
  if (kind === 'data' && LOOKUP_DATA.test(type))
    return { role: 'unknown', why: `data ${type}: a look-up that answers in any region` };
  // Read after this module made it (`depends_on = [module.gke_standard]`, the cluster it just
  // created), so it follows; a dependency on anything else (enabling APIs) says nothing.
  if (kind === 'data' && ctx.block?.dependsOn && WORKLOAD_WORD.test(norm(ctx.block.dependsOn)))
    return { role: 'unknown', why: `data ${type}: reads what this module creates (depends_on)` };
  if (kind === 'data')
    return { role: 'static', why: `data ${type}: reads an existing resource where it is`, anchors: true };
  // Packer: an AMI or Azure image is made in the region that will use it; a GCP image is global.
  if (kind === 'source' && /^(amazon|azure)-/.test(type))
    return { role: 'static', why: `Packer ${type}: the image is built where it will be used` };
  if (kind === 'backend') return { role: 'static', why: 'the Terraform state backend: state stays where it is' };
  if (kind === 'provider') return 'provider';
  if (kind === 'module') {
    const s = norm(`${ctx.moduleSource ?? ''} ${type}`);
    if (STATIC_WORD.test(s))
      return { role: 'static', why: `module ${type}: a resource that does not move`, created: true };
    if (WORKLOAD_WORD.test(s)) return { role: 'workload', why: `module ${type} creates a workload` };
    return { role: 'unknown', why: `module ${type}: what it creates is not known here` };
  }
  if (kind === 'variable' || kind === 'locals' || kind === 'output' || kind === 'terraform') return undefined;
  void name;
  return undefined;
}

const WORKLOAD_SIBLING =
  /^(machine_type|machinetype|instance_type|instancetype|accelerator|accelerators|accelerator_type|acceleratortype|accelerator_config|guest_accelerator|node_count|initial_node_count|min_node_count|max_node_count|vm_size|vmsize|gpu|gpus|gpu_type|tpu|instance_count|replica_count|min_replica_count|node_config|node_pool|node_pools|machine_spec)$/;
const STATIC_SIBLING =
  /^(bucket|bucket_name|bucketname|endpoint_url|endpointurl|s3_endpoint|aws_endpoint_url|aws_endpoint_url_s3|endpoint_url_s3|s3_endpoint_url|force_path_style|s3_force_path_style|storage_class|minio_endpoint|s3_url)$/;

const placeless = new Map<string, string>();
/** `gcp_cluster_region` -> `_cluster_`: the words of a key that say what the place is for. */
function withoutPlaceWords(k: string): string {
  let w = placeless.get(k);
  if (w === undefined) {
    if (placeless.size > 10_000) placeless.clear();
    w = k.replace(/(^|_)(region|regions|location|locations|zone|zones|name|default|aws|gcp|google|azure)(?=_|$)/g, '_');
    placeless.set(k, w);
  }
  return w;
}

/** The role of a region value from its key and context. */
export function regionRole(key: string, ctx: RegionContext | undefined, fileText?: string): RoleVerdict {
  const k = norm(key);
  if (METADATA_KEY.test(k))
    return { role: 'metadata', why: "a node label: the cluster's location is set where the cluster is created" };
  // A variable's uses say more than its name: `subnetwork_region` used by a subnetwork this module creates moves.
  if (ctx?.uses?.length) return usesRole(ctx.uses, fileText);
  const keyWords = withoutPlaceWords(k);
  if (STATIC_WORD.test(keyWords))
    return {
      role: 'static',
      why: `${key}: a resource that does not move with the workload`,
    };
  if (EXISTING_WORD.test(keyWords))
    return { role: 'static', why: `${key}: an existing resource, where it is`, anchors: true };
  const siblings = normalised(ctx?.siblings ?? []);
  // An S3-compatible store (MinIO, an in-cluster endpoint): the region is a label the client sends.
  if (siblings.some((s) => STATIC_SIBLING.test(s)))
    return { role: 'static', why: 'beside a bucket or an S3 endpoint: the region of storage that stays where it is' };
  // A module's input is what the module makes of it: `cluster_region` given to a module that
  // writes benchmark output is not where a cluster runs.
  const block = [...(ctx?.path ?? [])].reverse().find((h) => HCL_BLOCK.test(`${h} `));
  if (block?.startsWith('module ')) return blockRole(block, ctx!) as RoleVerdict;
  if (WORKLOAD_WORD.test(keyWords)) return { role: 'workload', why: `${key}: where a workload runs` };
  // Innermost first; a workload word waits until every enclosing key has been read, so that
  // `s3: endpoint: region:` is storage, not an endpoint that runs work.
  let workload: RoleVerdict | undefined;
  for (const header of [...(ctx?.path ?? [])].reverse()) {
    if (HCL_BLOCK.test(`${header} `)) {
      const b = blockRole(header, ctx!);
      if (b === 'provider') {
        if (siblings.includes('alias'))
          return { role: 'metadata', why: 'an aliased provider: only the resources that name it use this region' };
        return ctx?.moduleHasWorkload
          ? { role: 'workload', why: 'the provider region, where the workload resources of this module run' }
          : { role: 'metadata', why: 'a provider region with no workload resource beside it: used to authenticate' };
      }
      if (b) return workload && b.role === 'unknown' ? workload : b;
      continue;
    }
    const h = norm(header);
    if (STATIC_WORD.test(h)) return { role: 'static', why: `under ${header}: a resource that does not move` };
    if (EXISTING_WORD.test(h))
      return { role: 'static', why: `under ${header}: an existing resource, where it is`, anchors: true };
    if (!workload && WORKLOAD_WORD.test(h))
      workload = { role: 'workload', why: `under ${header}: where a workload runs` };
  }
  if (workload) return workload;
  if (siblings.some((s) => WORKLOAD_SIBLING.test(s)))
    return { role: 'workload', why: 'beside a machine type or an accelerator: where a workload runs' };
  return {
    role: 'unknown',
    why: 'nothing around it says a workload runs there (advice is given only for workloads)',
  };
}

function usesRole(uses: { key: string; context: RegionContext }[], fileText?: string): RoleVerdict {
  if (!uses.length) return { role: 'unknown', why: 'a variable no resource of this module uses' };
  const verdicts = uses.map((u) => regionRole(u.key, u.context, fileText));
  // A resource group's metadata location may move with the workload; a bucket's data may not.
  const other = verdicts.find((v) => v.role === 'static' && !v.created);
  const meta = verdicts.find((v) => v.role === 'metadata');
  const work = verdicts.find((v) => v.role === 'workload');
  // A key ring, registry or dataset this module creates beside the workload is created again with
  // it (a CMEK key ring must even be in the cluster's region): they move together.
  const created = verdicts.find((v) => v.role === 'static' && v.created);
  if (work && created && !other)
    return {
      role: 'workload',
      why: `${work.why}; ${created.why.replace(/:.*$/, '')}, created here too, moves with it`,
    };
  if (work && other)
    return {
      role: 'static',
      why: `also sets ${other.why.replace(/:.*$/, '')}: moving it would move that too`,
      ...(verdicts.some((v) => v.anchors) && { anchors: true }),
    };
  if (work) return work;
  const anchored = verdicts.find((v) => v.anchors);
  return anchored ?? other ?? meta ?? verdicts[0];
}

/** Python: the role of a keyword argument from the call it is in (`boto3.client("s3", region_name=...)`). */
export function pythonCallRole(text: string, offset: number): RoleVerdict | undefined {
  // The innermost unclosed call before the value, within 400 characters.
  const before = text.slice(Math.max(0, offset - 400), offset);
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before[i];
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth-- > 0) continue;
      const callee = /([\w.]+)\s*$/.exec(before.slice(0, i))?.[1] ?? '';
      const firstArg = /^\s*["']([\w-]+)["']/.exec(before.slice(i + 1))?.[1] ?? '';
      if (/(^|\.)(client|resource)$/.test(callee) && /boto3|session/i.test(callee)) {
        if (
          /^(s3|s3control|ecr|ecr-public|kms|iam|sso|sso-admin|identitystore|secretsmanager|ssm|dynamodb|rds|glue|athena|logs|cloudwatch|efs|backup)$/.test(
            firstArg,
          )
        )
          return { role: 'static', why: `the ${firstArg} client: the service's data stays where it is` };
        if (firstArg === 'sts') return { role: 'metadata', why: 'an STS client: authentication only' };
        if (/^(sagemaker|sagemaker-runtime|ec2|batch|ecs|eks|bedrock|bedrock-runtime|lambda|emr)$/.test(firstArg))
          return { role: 'workload', why: `the ${firstArg} client: where the work runs` };
        return undefined;
      }
      if (/(^|\.)(aiplatform|vertexai)\.init$/.test(callee) || /CustomJob|TrainingJob|Endpoint/.test(callee))
        return { role: 'workload', why: `${callee}: where Vertex AI runs the work` };
      if (/(storage|bigquery|spanner|firestore)\.Client$/.test(callee))
        return { role: 'static', why: `${callee}: data stays where it is` };
      return undefined;
    }
  }
  return undefined;
}

/** Whether a Terraform block header (`resource TYPE NAME`, `module NAME`) creates a workload. */
export function isWorkloadBlock(header: string, moduleSource?: string): boolean {
  const [kind, type = ''] = header.split(' ');
  if (kind === 'resource') return WORKLOAD_RESOURCE.test(type);
  if (kind === 'module') {
    const s = norm(`${moduleSource ?? ''} ${type}`);
    return WORKLOAD_WORD.test(s) && !STATIC_WORD.test(s);
  }
  return false;
}
