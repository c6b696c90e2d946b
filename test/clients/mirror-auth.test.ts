// Mirrors behind `--htpasswd`, each runtime configured only by `seed-registry configure`. docker: dockerd
// sends a mirror the credentials of the registry it mirrors (Docker Hub's config.json entry
// `https://index.docker.io/v1/`), so `docker login SEED` alone leaves a mirrored pull with a 401
// (`no basic auth credentials`, in dockerd's log only), and configure's config.json makes it work.
// podman: its mirror location carries the registry (`SEED/docker.io`), and auth.json keyed by the
// seed's HOST:PORT must still be found for it. (containerd's header: multihost.test.ts.)
// The seed serves --tls-self-signed in a network namespace of the test's own, on a non-loopback
// address, so dockerd checks the certificate; the namespace has no route out, so the Docker Hub
// fall-back cannot leave the machine.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerPull, podmanArgs } from './helpers/clients.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { startDockerd, type Docker } from './helpers/dockerd.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { canCreateNetns, createNetns, type Netns } from './helpers/netns.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const PORT = 5443;
const SAVED = 'busybox:docker-auth';
const USER = 'node';
const PASSWORD = 'pull-only secret';

const NETNS = await canCreateNetns();
if (!NETNS) console.warn('SKIPPED docker-auth.test.ts: cannot create a network namespace (ip netns add failed)');

let ns: Netns;
let env: ClientEnv;
let seed: Daemon;
let node: Docker | undefined;
let nodeDir: string | undefined;
let registry: string;
let out: string;
let tar: string;
let certs: string;
let expected: ExpectedImage;
/** dockerd reads only /etc/docker/certs.d; this test's HOST:PORT entry, removed at the end. */
let dockerCertsDir: string | undefined;

beforeAll(async () => {
  if (!NETNS) return;
  ns = await createNetns();
  env = await startClientEnv(ns.wrap);
  await importBusybox(env.docker, env.dir, `library/${SAVED}`);
  tar = await dockerSave(env.docker, join(env.dir, 'auth.tar'), [`library/${SAVED}`]);
  expected = expectedFor(await readExpected(tar), SAVED);
  await runOk('htpasswd', ['-Bbc', join(env.dir, 'htpasswd'), USER, PASSWORD]);
  registry = `${ns.address}:${PORT}`;
  certs = join(env.dir, 'tls');
  const args = [BIN, '--tar', tar, '--host', ns.address, '--port', String(PORT), '--tls-self-signed', certs, '--advertise', registry, '--htpasswd', join(env.dir, 'htpasswd')];
  seed = startDaemon(...ns.wrap(process.execPath, args), join(env.dir, 'seed.log'));
  await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed.log()), 60_000, seed);
  writeFileSync(join(env.dir, 'password'), `${PASSWORD}\n`);
  out = await configure('docker');
  dockerCertsDir = join('/etc/docker/certs.d', registry);
  mkdirSync('/etc/docker/certs.d', { recursive: true });
  cpSync(join(out, 'certs.d', registry), dockerCertsDir, { recursive: true });
  // The node: a dockerd of its own with configure's daemon.json, in the same namespace.
  nodeDir = mkdtempSync('/tmp/sr-');
  node = await startDockerd(nodeDir, ns.wrap, readFileSync(join(out, 'daemon.json'), 'utf8'));
});
async function configure(runtime: string): Promise<string> {
  const dir = join(env.dir, `configure-${runtime}`);
  const args = ['configure', '--runtime', runtime, '--tar', tar, '--registry', registry, '--ca', join(certs, 'ca.crt'), '--username', USER, '--password-file', join(env.dir, 'password'), '--out', dir];
  await runOk(process.execPath, [BIN, ...args]);
  return dir;
}

afterAll(async () => {
  await node?.stop();
  await seed?.stop();
  await env?.stop();
  if (dockerCertsDir) rmSync(dockerCertsDir, { recursive: true, force: true });
  if (nodeDir) rmSync(nodeDir, { recursive: true, force: true, maxRetries: 3 });
  await ns?.remove();
});

describe.skipIf(!NETNS)('docker and podman pulling through configure’s files from a seed with --htpasswd over TLS', () => {
  it('`docker login SEED` alone (what configure said before): the mirrored pull is refused with no basic auth credentials', async () => {
    await node!.docker(['login', '-u', USER, '-p', PASSWORD, registry]);
    await expect(node!.docker(['pull', '-q', SAVED], { timeoutMs: 120_000 })).rejects.toThrow();
    // dockerd says why only in its own log; the client sees the Docker Hub fall-back fail.
    const mirrored = new RegExp(`https://${registry.replace(/\./g, '\\.')}/v2/library/busybox/manifests/docker-auth\\\\?": no basic auth credentials`);
    expect(node!.daemon.log()).toMatch(mirrored);
  });

  it('with configure’s config.json (the seed’s credentials under Docker Hub’s key) the mirrored pull works', async () => {
    cpSync(join(out, 'config.json'), join(nodeDir!, 'docker-config', 'config.json'));
    expect(await dockerPull(node!, SAVED)).toEqual({ configDigest: expected.configDigest, diffIds: expected.diffIds });
  });

  it('and a pull by the seed’s own address works with the same file', async () => {
    await node!.docker(['rmi', SAVED]);
    expect(await dockerPull(node!, `${registry}/library/${SAVED}`)).toEqual({ configDigest: expected.configDigest, diffIds: expected.diffIds });
  });

  it('podman: through the drop-in (mirror SEED/docker.io), the CA in certs.d and auth.json, and refused without auth.json', async () => {
    const dir = await configure('podman');
    const podman = (args: string[]) =>
      run(...ns.wrap('podman', [...podmanArgs(nodeDir!), ...args]), { env: { CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf.d/50-seed-registry.conf') }, timeoutMs: 180_000 });
    const certDir = ['--cert-dir', join(dir, 'certs.d', registry)];
    const empty = join(nodeDir!, 'no-auth.json');
    writeFileSync(empty, '{}\n');
    const refused = await podman(['pull', '-q', ...certDir, '--authfile', empty, `docker.io/library/${SAVED}`]);
    expect(refused.code).not.toBe(0);
    // The mirror podman tried is the seed, under the registry's own path prefix, and it said 401.
    expect(refused.stderr).toContain(`${registry}/docker.io/library/busybox: unauthorized`);
    const pulled = await podman(['pull', '-q', ...certDir, '--authfile', join(dir, 'auth.json'), `docker.io/library/${SAVED}`]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const [info] = JSON.parse((await podman(['image', 'inspect', `docker.io/library/${SAVED}`])).stdout) as { Id: string; RootFS: { Layers: string[] } }[];
    expect({ configDigest: `sha256:${info!.Id}`, diffIds: info!.RootFS.Layers }).toEqual({ configDigest: expected.configDigest, diffIds: expected.diffIds });
  });
});
