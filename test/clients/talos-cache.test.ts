// Talos' image cache served by the real binary and pulled by docker, containerd, skopeo and podman:
// the flat folder (`cache-create --layout flat`) and the OCI cache image (the default), each holding a
// Docker Hub image and a registry.k8s.io index with one of its two platforms cached. Then containerd,
// configured as a node is (hosts.toml per registry), pulls both by their original names: every
// request carries `?ns=` naming the registry the cache recorded. Digests checked on every pull.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { itPullsWithEachClient } from './helpers/each-client.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { startRecordingProxy, type RecordingProxy } from './helpers/proxy.js';
import { freePort } from './helpers/registry-image.js';
import { startSeed, type Seed } from './helpers/seed.js';
import { buildTalosCaches, type TalosCaches } from './helpers/talos-cache.js';

let env: ClientEnv;
let built: TalosCaches;

beforeAll(async () => {
  env = await startClientEnv();
  built = await buildTalosCaches(env.docker, env.dir);
});
afterAll(async () => env?.stop());

const FORMS = [
  { form: 'flat cache folder', path: (b: TalosCaches) => b.flat },
  { form: 'OCI cache image folder (image-cache.oci)', path: (b: TalosCaches) => b.oci },
];
const REFS = ['library/busybox:1.36', 'pause:3.10'];

describe.each(FORMS)('Talos $form', ({ form, path }) => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await startSeed([path(built)]);
  });
  afterAll(async () => seed?.stop());

  itPullsWithEachClient(`talos-${form}`, () => ({ env, seed }), REFS.map((ref) => [ref, () => built.busybox]));

  it('serves the manifests as stored: Docker-Content-Digest is the cache\'s digest', async () => {
    const head = async (name: string, tag: string) => (await fetch(`${seed.url}/v2/${name}/manifests/${tag}`, { method: 'HEAD' })).headers.get('docker-content-digest');
    expect(await head('library/busybox', '1.36')).toBe(built.hubDigest);
    expect(await head('pause', '3.10')).toBe(built.indexDigest);
  });
});

/** hosts.toml for each registry, sending its pulls to `mirror`; the fallback is a closed loopback port. */
function writeHostsDir(dir: string, registries: string[], mirror: string, closedPort: number): string {
  for (const registry of registries) {
    mkdirSync(join(dir, registry), { recursive: true });
    const toml = [`server = "https://127.0.0.1:${closedPort}"`, '', `[host."http://${mirror}"]`, '  capabilities = ["pull", "resolve"]', ''].join('\n');
    writeFileSync(join(dir, registry, 'hosts.toml'), toml);
  }
  return dir;
}

describe('containerd pulling by the original names, through hosts.toml', () => {
  let seed: Seed;
  let proxy: RecordingProxy;
  let hostsDir: string;
  beforeAll(async () => {
    seed = await startSeed([built.flat]);
    proxy = await startRecordingProxy(seed.port);
    hostsDir = writeHostsDir(join(env.dir, 'talos-certs.d'), ['docker.io', 'registry.k8s.io'], proxy.host, await freePort());
  });
  afterAll(async () => {
    await proxy?.close();
    await seed?.stop();
  });

  it.each([
    ['docker.io/library/busybox:1.36', 'ns=docker.io', '/v2/library/busybox/'],
    ['registry.k8s.io/pause:3.10', 'ns=registry.k8s.io', '/v2/pause/'],
  ])('ctr images pull --hosts-dir DIR %s: every request says %s', async (ref, ns, prefix) => {
    try {
      expect(await ctrPull(env.containerd, ref, { extraArgs: ['--hosts-dir', hostsDir] })).toEqual(built.busybox);
    } finally {
      await env.containerd.ctr(['images', 'rm', '--sync', ref]).catch(() => undefined);
    }
    const requests = proxy.requests.filter((r) => r.includes(prefix));
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r).toContain(ns);
  });

  it('pause is registry.k8s.io\'s, not docker.io\'s', async () => {
    const head = (ns: string) => fetch(`${seed.url}/v2/pause/manifests/3.10?ns=${ns}`, { method: 'HEAD' });
    expect((await head('registry.k8s.io')).status).toBe(200);
    expect((await head('docker.io')).status).toBe(404);
  });
});
