// `configure --engine`: each engine's files, byte for byte, against test/configure/golden/<case>/engine-<name>/,
// what those files must say for the engine to take the seed as its upstream, and the CLI's one-line errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, ENGINE_NAMES, missingInput, type EngineTarget } from '../../src/configure/engines/index.js';
import { checkGolden } from './golden-files.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const FAKE_CA = '-----BEGIN CERTIFICATE-----\nMIIBfakeCAforGoldenTests\n-----END CERTIFICATE-----\n';
const CACHE_CA = '-----BEGIN CERTIFICATE-----\nMIIBfakeCacheCA\n-----END CERTIFICATE-----\n';

const CASES: Record<string, EngineTarget> = {
  'tls-auth': {
    upstreams: ['docker.io', 'ghcr.io', 'registry.k8s.io'],
    registry: '10.0.0.5:5000',
    scheme: 'https',
    ca: FAKE_CA,
    credentials: { username: 'node', password: 'p@ss "word"' },
    caches: ['10.0.1.10:5000', '10.0.1.11:5000'],
    cacheCa: CACHE_CA,
  },
  'plain-http': { upstreams: ['docker.io'], registry: '[fd00::5]:5000', scheme: 'http', caches: ['[fd00::10]:5000'] },
};

describe.each(Object.entries(CASES))('configure --engine, case %s', (name, target) => {
  it.each(ENGINE_NAMES)('%s writes exactly its golden files', (engine) => {
    checkGolden(ENGINES[engine](target), join(GOLDEN, name, `engine-${engine}`));
  });
});

const file = (engine: keyof typeof ENGINES, path: string, target = CASES['tls-auth']!) => ENGINES[engine](target).files.find((f) => f.path === path);

describe('what the engine files must say', () => {
  const tls = CASES['tls-auth']!;

  it('spegel: every upstream mirrored, existing hosts.toml kept behind Spegel, and those hosts.toml name the seed with its CA', () => {
    const values = file('spegel', 'spegel-values.yaml')!.contents;
    expect(values).toContain('  prependExisting: true\n');
    for (const u of tls.upstreams) {
      expect(values).toContain(`    - "https://${u}"\n`);
      expect(file('spegel', `certs.d/${u}/hosts.toml`)!.contents).toContain('[host."https://10.0.0.5:5000"]\n  capabilities = ["pull", "resolve"]\n  ca = "seed-registry-ca.crt"');
      expect(file('spegel', `certs.d/${u}/seed-registry-ca.crt`)!.contents).toBe(FAKE_CA);
    }
  });

  it('k3s/rke2 embedded: embedded-registry on the servers, every upstream under mirrors with the seed as endpoint', () => {
    for (const [engine, dir] of [['k3s-embedded', '/etc/rancher/k3s'], ['rke2-embedded', '/etc/rancher/rke2']] as const) {
      expect(file(engine, 'server/config.yaml.d/50-seed-registry.yaml')!.contents).toMatch(/^embedded-registry: true$/m);
      const registries = file(engine, 'registries.yaml')!;
      for (const u of tls.upstreams) expect(registries.contents).toContain(`  "${u}":\n    endpoint:\n      - "https://10.0.0.5:5000"\n`);
      expect(registries.contents).toContain(`ca_file: "${dir}/seed-registry-ca.crt"`);
      expect(registries.mode).toBe(0o600);
    }
  });

  it('dragonfly: the seed is the registry mirror with its CA; containerd goes to the local dfdaemon with X-Dragonfly-Registry', () => {
    const dfdaemon = file('dragonfly', 'dfdaemon.yaml')!.contents;
    expect(dfdaemon).toMatch(/registryMirror:\n(?:\s+#.*\n)*\s+addr: "https:\/\/10\.0\.0\.5:5000"\n(?:\s+#.*\n)*\s+cert: "\/etc\/dragonfly\/seed-registry-ca\.crt"/);
    const hosts = file('dragonfly', 'certs.d/docker.io/hosts.toml')!.contents;
    expect(hosts).toContain('[host."http://127.0.0.1:4001"]');
    expect(hosts).toContain('X-Dragonfly-Registry = "https://10.0.0.5:5000"');
  });

  it('kraken: origins read blobs and the build-index reads tags from the seed, with the CA and credentials', () => {
    expect(file('kraken', 'origin.yaml')!.contents).toMatch(/registry_blob:\n(?:\s+#.*\n)*\s+address: "10\.0\.0\.5:5000"/);
    expect(file('kraken', 'build-index.yaml')!.contents).toMatch(/registry_tag:\n(?:\s+#.*\n)*\s+address: "10\.0\.0\.5:5000"/);
    expect(file('kraken', 'origin.yaml')!.contents).toContain('path: "/etc/kraken/seed-registry-ca.crt"');
    expect(file('kraken', 'origin.yaml')!.contents).toContain('username: "node"');
    expect(file('kraken', 'origin.yaml', CASES['plain-http'])!.contents).toMatch(/client:\n\s+disabled: true/);
  });

  it('zot: one sync registry, the seed, on demand and periodic over everything, CA dir and credentials file', () => {
    const sync = JSON.parse(file('zot', 'zot-sync.json')!.contents).extensions.sync;
    expect(sync.registries).toEqual([expect.objectContaining({ urls: ['https://10.0.0.5:5000'], onDemand: true, tlsVerify: true, certDir: '/etc/zot/seed-certs', content: [{ prefix: '**' }] })]);
    expect(file('zot', 'seed-certs/ca.crt')!.contents).toBe(FAKE_CA);
    expect(JSON.parse(file('zot', 'seed-credentials.json')!.contents)).toEqual({ '10.0.0.5:5000': { username: 'node', password: 'p@ss "word"' } });
    expect(file('zot', 'seed-credentials.json')!.mode).toBe(0o600);
  });

  it('harbor: the endpoint is the seed with Basic credentials, the rule pulls "**" from it, and the script is valid sh', () => {
    const endpoint = JSON.parse(file('harbor', 'harbor-endpoint.json')!.contents);
    expect(endpoint).toMatchObject({ type: 'docker-registry', url: 'https://10.0.0.5:5000', insecure: false, credential: { type: 'basic', access_key: 'node' } });
    const policy = JSON.parse(file('harbor', 'harbor-replication.json')!.contents);
    expect(policy).toMatchObject({ src_registry: { id: 'ENDPOINT_ID' }, filters: [{ type: 'name', value: '**' }], trigger: { type: 'manual' } });
    const dir = mkdtempSync(join(tmpdir(), 'sr-harbor-'));
    try {
      writeFileSync(join(dir, 'setup.sh'), file('harbor', 'harbor-setup.sh')!.contents);
      const check = spawnSync('sh', ['-n', join(dir, 'setup.sh')], { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('distribution-cache: each cache proxies the seed; node hosts.toml lists the caches in order, then the seed with its CA and credentials', () => {
    for (const cache of tls.caches) expect(file('distribution-cache', `caches/${cache}/config.yml`)!.contents).toContain('proxy:\n  remoteurl: "https://10.0.0.5:5000"\n  username: "node"\n');
    const hosts = file('distribution-cache', 'nodes/certs.d/registry.k8s.io/hosts.toml')!.contents;
    const order = ['[host."https://10.0.1.10:5000"]', '[host."https://10.0.1.11:5000"]', '[host."https://10.0.0.5:5000"]'].map((h) => hosts.indexOf(h));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(hosts).toContain('[host."https://10.0.0.5:5000".header]\n    Authorization = "Basic ');
    expect(file('distribution-cache', 'nodes/certs.d/registry.k8s.io/cache-ca.crt')!.contents).toBe(CACHE_CA);
  });

  it('credentials go in files readable by root only', () => {
    for (const engine of ENGINE_NAMES) {
      const secret = ENGINES[engine](tls).files.filter((f) => f.contents.includes('p@ss') || f.contents.includes(Buffer.from('node:p@ss "word"').toString('base64')));
      expect(secret.length, engine).toBeGreaterThan(0);
      for (const f of secret) expect(f.mode, `${engine} ${f.path}`).toBe(0o600);
    }
  });

  it('says what an engine lacks in one line', () => {
    expect(missingInput('distribution-cache', { ...tls, caches: [] })).toMatch(/--cache HOST:PORT/);
    expect(missingInput('zot', tls)).toMatch(/--cache is for --engine distribution-cache/);
    expect(missingInput('zot', { ...tls, caches: [], cacheCa: undefined })).toBeUndefined();
  });
});

describe('seed-registry configure --engine (the binary)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'configure', '--tar', FIXTURE, ...args], { encoding: 'utf8', timeout: 20_000 });

  it('prints an engine\'s files', () => {
    const r = run(['--engine', 'zot', '--registry', '10.0.0.5:5000']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('# ==> zot-sync.json <==\n');
  });

  it.each([
    [['--engine', 'quay', '--registry', 'seed:5000'], /argument 'quay' is invalid\. Allowed choices are spegel, k3s-embedded, rke2-embedded, dragonfly, kraken, zot, harbor, distribution-cache/],
    [['--registry', 'seed:5000'], /^seed-registry: configure: give one of --runtime RUNTIME \(a node\) or --engine ENGINE/],
    [['--runtime', 'containerd', '--engine', 'zot', '--registry', 'seed:5000'], /^seed-registry: configure: give one of/],
    [['--engine', 'distribution-cache', '--registry', 'seed:5000'], /^seed-registry: --engine distribution-cache: distribution-cache needs the caches the nodes try first: give each with --cache HOST:PORT$/],
    [['--engine', 'zot', '--registry', 'seed:5000', '--cache', 'c:5000'], /^seed-registry: --engine zot: --cache is for --engine distribution-cache, not zot$/],
    [['--engine', 'distribution-cache', '--registry', 'seed:5000', '--cache', 'cache'], /--cache <host:port>' argument 'cache' is invalid\. expected HOST:PORT/],
  ])('%j fails with one line', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});
