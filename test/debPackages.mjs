// Debian packages unpacked into a cache folder (never installed over the system's), for tools the
// tests run as plain binaries: lavapipe's libraries, Prometheus, VictoriaMetrics. Used by `npm run setup` only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sh = (cmd, cwd) => spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8' });

/** Whether this machine can fetch Debian packages this way: Debian on x64 with apt-get. */
export function canFetchDebs() {
  return (
    process.platform === 'linux' &&
    process.arch === 'x64' &&
    existsSync('/etc/debian_version') &&
    sh('command -v apt-get').status === 0
  );
}

/** The Debian mirror this machine's apt already uses (its sources' first URI), else deb.debian.org. */
export function debianMirror() {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
    if (m) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Downloads `packages` (name or name/suite) from `suites` of the system's own Debian mirror
 * (default bookworm and bookworm-backports) with apt's own lists under ROOT (the system's sources
 * are not touched), and unpacks them into ROOT/root. Returns undefined, or why it failed.
 */
export function fetchDebs(ROOT, packages, log = () => {}, suites = ['bookworm', 'bookworm-backports']) {
  mkdirSync(join(ROOT, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(ROOT, 'cache', 'archives', 'partial'), { recursive: true });
  mkdirSync(join(ROOT, 'debs'), { recursive: true });
  const mirror = debianMirror();
  writeFileSync(join(ROOT, 'sources.list'), suites.map((suite) => `deb ${mirror} ${suite} main\n`).join(''));
  const apt = `apt-get -qq -o Dir::Etc::SourceList=${ROOT}/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=${ROOT}/lists -o Dir::Cache=${ROOT}/cache -o APT::Sandbox::User=root`;
  log(`Fetching ${packages.join(', ')} from Debian into ${ROOT}...`);
  for (const cmd of [`${apt} update`, `${apt} download ${packages.join(' ')}`]) {
    const r = sh(cmd, join(ROOT, 'debs'));
    if (r.status !== 0)
      return `'${cmd.split(' -o')[0]} ...' failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  }
  for (const deb of readdirSync(join(ROOT, 'debs')).filter((f) => f.endsWith('.deb')))
    sh(`dpkg -x '${deb}' '${join(ROOT, 'root')}'`, join(ROOT, 'debs'));
  return undefined;
}
