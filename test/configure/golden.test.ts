// Golden tests: each runtime's files, byte for byte, against test/configure/golden/<case>/<runtime>/.
// The golden files were written by hand-checked runs and read against each runtime's documented schema
// (containerd docs/hosts.md, containers-registries.conf(5), docs.k3s.io private-registry, Talos v1alpha1
// machine.registries). `GOLDEN_UPDATE=1 npx vitest run test/configure` rewrites them; review the diff.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNTIMES, RUNTIME_NAMES, type NodeTarget } from '../../src/configure/index.js';
import { checkGolden } from './golden-files.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
/** Stands in for a ca.crt: the configurers copy it, they do not parse it. */
export const FAKE_CA = '-----BEGIN CERTIFICATE-----\nMIIBfakeCAforGoldenTests\n-----END CERTIFICATE-----\n';

const CASES: Record<string, NodeTarget> = {
  'tls-auth': {
    upstreams: ['docker.io', 'ghcr.io', 'registry.k8s.io'],
    registry: '10.0.0.5:5000',
    scheme: 'https',
    ca: FAKE_CA,
    credentials: { username: 'node', password: 'p@ss "word"' },
  },
  'plain-http': { upstreams: ['docker.io'], registry: '[fd00::5]:5000', scheme: 'http' },
};

describe.each(Object.entries(CASES))('configure, case %s', (name, target) => {
  it.each(RUNTIME_NAMES)('%s writes exactly its golden files', (runtime) => {
    checkGolden(RUNTIMES[runtime](target), join(GOLDEN, name, runtime));
  });
});

describe('what the golden files must say', () => {
  const tls = CASES['tls-auth']!;
  it('every upstream the archives name gets a containerd hosts.toml whose host is the seed, with the CA beside it', () => {
    const { files } = RUNTIMES.containerd(tls);
    for (const upstream of [...tls.upstreams, tls.registry]) {
      const toml = files.find((f) => f.path === `${upstream}/hosts.toml`)?.contents ?? '';
      expect(toml).toContain('[host."https://10.0.0.5:5000"]');
      expect(toml).toContain('ca = "seed-registry-ca.crt"');
      expect(files.find((f) => f.path === `${upstream}/seed-registry-ca.crt`)?.contents).toBe(FAKE_CA);
    }
  });

  it('podman and CRI-O mirrors carry the registry as a path prefix, so same-named repositories of two registries stay apart', () => {
    for (const runtime of ['podman', 'crio'] as const) {
      const conf = RUNTIMES[runtime](tls).files.find((f) => f.path.endsWith('50-seed-registry.conf'))!.contents;
      for (const upstream of tls.upstreams) expect(conf, runtime).toContain(`prefix = "${upstream}"\nlocation = "${upstream}"\n\n[[registry.mirror]]\nlocation = "10.0.0.5:5000/${upstream}"\n`);
    }
  });

  it('a registry with a port is no path component: its mirror is the seed itself', () => {
    const conf = RUNTIMES.podman({ ...tls, upstreams: ['reg.lan:5000'] }).files[0]!.contents;
    expect(conf).toContain('[[registry.mirror]]\nlocation = "10.0.0.5:5000"\n');
  });

  it('docker: the seed\'s credentials under Docker Hub\'s config.json key (what dockerd sends a mirror) and under the seed\'s address', () => {
    const file = RUNTIMES.docker(tls).files.find((f) => f.path === 'config.json');
    const auths = (JSON.parse(file!.contents) as { auths: Record<string, { auth: string }> }).auths;
    const token = Buffer.from('node:p@ss "word"').toString('base64');
    expect(auths).toEqual({ 'https://index.docker.io/v1/': { auth: token }, '10.0.0.5:5000': { auth: token } });
    expect(RUNTIMES.docker(tls).notes.join('\n')).toMatch(/replaces any Docker Hub login on the node/);
    expect(RUNTIMES.docker({ ...tls, credentials: undefined } as NodeTarget).files.map((f) => f.path)).not.toContain('config.json');
  });

  it('Talos gets the CA as base64 of the PEM (v1alpha1 Base64Bytes)', () => {
    const yaml = RUNTIMES.talos(tls).files[0]!.contents;
    const b64 = /ca: (\S+)/.exec(yaml)?.[1] ?? '';
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(FAKE_CA);
  });

  it('credentials go in files readable by root only', () => {
    for (const runtime of ['containerd', 'k3s', 'rke2', 'talos', 'podman', 'crio', 'docker'] as const) {
      const secret = RUNTIMES[runtime](tls).files.filter((f) => f.contents.includes('p@ss') || f.contents.includes(Buffer.from('node:p@ss "word"').toString('base64')));
      expect(secret.length, runtime).toBeGreaterThan(0);
      for (const f of secret) expect(f.mode, `${runtime} ${f.path}`).toBe(0o600);
    }
  });
});
