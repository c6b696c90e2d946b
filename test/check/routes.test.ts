// The route each runtime would take for an image, read from configure's own output and from
// hand-written variants (a drop-in whose mirror carries the registry as a path prefix, a hosts.toml
// sending pulls elsewhere, a k3s "*" mirror).
import { describe, expect, it } from 'vitest';
import { RUNTIMES, type NodeTarget, type Runtime } from '../../src/configure/index.js';
import { generatedFiles } from '../../src/check/files.js';
import { CHECK_RUNTIMES, type CheckRuntime } from '../../src/check/routes/index.js';
import { parseImageName } from '../../src/image/names.js';
import type { Endpoint, Route } from '../../src/check/route.js';

const SEED = '10.0.0.5:5000';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const target: NodeTarget = { upstreams: ['docker.io', 'registry.k8s.io'], registry: SEED, scheme: 'https', ca: CA, credentials: { username: 'alice', password: 's3cret' } };

function routeOf(runtime: CheckRuntime, files: { path: string; contents: string }[], image: string): Route {
  return CHECK_RUNTIMES[runtime].route(generatedFiles(files, 'out'), { image: parseImageName(image), seed: SEED });
}

function endpointOf(route: Route): Endpoint {
  if ('problem' in route) throw new Error(route.problem);
  return route.endpoints[0]!;
}

describe("each runtime's route through configure's output", () => {
  const expected: Record<CheckRuntime, Partial<Endpoint>> = {
    containerd: { origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'pause', query: '?ns=registry.k8s.io', ca: CA, headers: { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } },
    // podman and CRI-O reach the seed at a location carrying the registry (docs/names.md).
    podman: { origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'registry.k8s.io/pause', query: '', ca: CA, credentials: { username: 'alice', password: 's3cret' } },
    crio: { origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'registry.k8s.io/pause', query: '', ca: CA, credentials: { username: 'alice', password: 's3cret' } },
    k3s: { origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'pause', query: '?ns=registry.k8s.io', ca: CA, credentials: { username: 'alice', password: 's3cret' } },
    rke2: { origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'pause', query: '?ns=registry.k8s.io', ca: CA, credentials: { username: 'alice', password: 's3cret' } },
    docker: {},
  };
  it.each(['containerd', 'podman', 'crio', 'k3s', 'rke2'] as const)('%s: registry.k8s.io/pause:3.10 goes to the seed', (runtime) => {
    const config = RUNTIMES[runtime as Runtime](target);
    expect(endpointOf(routeOf(runtime, config.files, 'registry.k8s.io/pause:3.10'))).toMatchObject(expected[runtime]);
  });

  it('docker: a Docker Hub image goes to the mirror, trusted by certs.d', () => {
    const config = RUNTIMES.docker(target);
    expect(endpointOf(routeOf('docker', config.files, 'busybox:1.36'))).toMatchObject({ origin: 'https://10.0.0.5:5000', base: '/v2', repository: 'library/busybox', query: '', ca: CA });
  });

  it('docker: any other registry is pulled from itself (dockerd mirrors only Docker Hub)', () => {
    const route = routeOf('docker', RUNTIMES.docker(target).files, 'registry.k8s.io/pause:3.10');
    expect(route).toEqual({ problem: expect.stringMatching(/^dockerd pulls registry\.k8s\.io\/pause:3\.10 from registry\.k8s\.io itself/), fix: expect.stringMatching(/docker tag it to registry\.k8s\.io\/pause:3\.10$/) });
  });

  it("docker: the credentials of a config.json beside daemon.json, Docker Hub's entry", () => {
    const hub = { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('alice:s3cret').toString('base64') }, '10.0.0.5:5000': { auth: Buffer.from('other:x').toString('base64') } } };
    const files = [...RUNTIMES.docker(target).files.filter((f) => f.path !== 'config.json'), { path: 'config.json', contents: JSON.stringify(hub) }];
    expect(endpointOf(routeOf('docker', files, 'busybox:1.36')).credentials).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('containerd: no hosts.toml for the registry names the file and configure', () => {
    const route = routeOf('containerd', [], 'ghcr.io/org/app:1');
    expect(route).toMatchObject({ problem: 'no out/ghcr.io/hosts.toml: containerd pulls ghcr.io images from ghcr.io itself', fix: expect.stringMatching(/^seed-registry configure --runtime containerd --registry 10\.0\.0\.5:5000/) });
  });
});

describe('hand-written configuration', () => {
  it('containerd: a hosts.toml that sends pulls elsewhere', () => {
    const toml = 'server = "https://registry-1.docker.io"\n[host."https://mirror.lan"]\n  capabilities = ["pull", "resolve"]\n';
    expect(routeOf('containerd', [{ path: 'docker.io/hosts.toml', contents: toml }], 'busybox:1')).toMatchObject({ problem: 'out/docker.io/hosts.toml sends docker.io resolve requests to https://mirror.lan, https://registry-1.docker.io, not to the seed at 10.0.0.5:5000' });
  });

  it('containerd: a host with a path and override_path, a push-only host skipped', () => {
    const toml = ['[host."https://10.0.0.5:5000/push-only"]', '  capabilities = ["push"]', '[host."https://10.0.0.5:5000/api/v2/mirror"]', '  capabilities = ["pull", "resolve"]', '  override_path = true', '  skip_verify = true'].join('\n');
    expect(endpointOf(routeOf('containerd', [{ path: '_default/hosts.toml', contents: toml }], 'quay.io/org/app:1'))).toMatchObject({ base: '/api/v2/mirror', repository: 'org/app', query: '?ns=quay.io', insecure: true });
  });

  it('podman: a mirror location carrying the registry as a path prefix', () => {
    const conf = ['[[registry]]', 'prefix = "ghcr.io"', 'location = "ghcr.io"', '[[registry.mirror]]', 'location = "10.0.0.5:5000/ghcr.io"'].join('\n');
    const files = [{ path: 'registries.conf.d/50-seed.conf', contents: conf }, { path: 'certs.d/10.0.0.5:5000/ca.crt', contents: CA }];
    expect(endpointOf(routeOf('podman', files, 'ghcr.io/org/app:1'))).toMatchObject({ origin: 'https://10.0.0.5:5000', repository: 'ghcr.io/org/app', ca: CA });
  });

  it('podman: the longest matching prefix wins, and a later drop-in replaces an earlier entry', () => {
    const a = ['[[registry]]', 'prefix = "docker.io"', '[[registry.mirror]]', 'location = "elsewhere:5000"'].join('\n');
    const b = ['[[registry]]', 'prefix = "docker.io"', '[[registry.mirror]]', 'location = "10.0.0.5:5000"', 'insecure = true'].join('\n');
    const c = ['[[registry]]', 'prefix = "docker.io/library/busybox"', 'blocked = true'].join('\n');
    const files = [{ path: 'registries.conf.d/10-a.conf', contents: a }, { path: 'registries.conf.d/20-b.conf', contents: b }];
    expect(endpointOf(routeOf('podman', files, 'docker.io/library/alpine:3'))).toMatchObject({ repository: 'library/alpine', insecure: true });
    expect(routeOf('podman', [...files, { path: 'registries.conf.d/30-c.conf', contents: c }], 'busybox:1')).toMatchObject({ problem: expect.stringMatching(/blocks docker\.io\/library\/busybox$/) });
  });

  it('k3s: a "*" mirror, the CA file read from beside registries.yaml', () => {
    const yaml = ['mirrors:', '  "*":', '    endpoint:', '      - "https://10.0.0.5:5000"', 'configs:', '  "10.0.0.5:5000":', '    tls:', '      ca_file: /etc/rancher/k3s/seed-ca.crt'].join('\n');
    const files = [{ path: 'registries.yaml', contents: yaml }, { path: 'seed-ca.crt', contents: CA }];
    expect(endpointOf(routeOf('k3s', files, 'quay.io/org/app:1'))).toMatchObject({ repository: 'org/app', query: '?ns=quay.io', ca: CA, caFrom: 'out/seed-ca.crt' });
  });

  it('k3s: a missing ca_file is named', () => {
    const yaml = ['mirrors:', '  docker.io:', '    endpoint: ["https://10.0.0.5:5000"]', 'configs:', '  "10.0.0.5:5000":', '    tls:', '      ca_file: /nonexistent/ca.crt'].join('\n');
    expect(routeOf('k3s', [{ path: 'registries.yaml', contents: yaml }], 'busybox:1')).toMatchObject({ problem: 'out/registries.yaml names ca_file /nonexistent/ca.crt, which does not exist' });
  });
});
