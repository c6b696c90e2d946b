// docker and podman each reading the files `seed-registry configure` wrote for them, pulling over
// HTTPS and trusting the seed only through the CA those files carry. The node is a network namespace
// whose one route is the LAN to the seed's namespace: a mirror that failed could not fall back to a
// real upstream (docker falls back to Docker Hub by design), so nothing leaves the machine.
// containerd's hosts.toml over HTTPS is proven across hosts in multihost.test.ts.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerPull, podmanArgs, type Pulled } from './helpers/clients.js';
import { makeCerts } from './helpers/certs.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { startDockerd, type Docker } from './helpers/dockerd.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { createLan, netnsUnavailable, type Lan } from './helpers/lan.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const PORT = 5443;
const HUB_REF = 'docker.io/library/busybox:configure';
const SAVED_REF = 'busybox:configure';
const DOCKER_CERTS = '/etc/docker/certs.d';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`configure.test.ts SKIPPED: network namespaces cannot be created here: ${unavailable}`);

let env: ClientEnv;
let lan: Lan | undefined;
let seed: Daemon | undefined;
let nodeDocker: Docker | undefined;
let nodeDir: string;
let registry: string;
let expected: ExpectedImage[];
let dockerCertsDir: string | undefined;

async function configure(runtime: string, tar: string, ca: string): Promise<string> {
  const out = join(env.dir, `configure-${runtime}`);
  await runOk(process.execPath, [BIN, 'configure', '--runtime', runtime, '--tar', tar, '--registry', registry, '--ca', ca, '--out', out]);
  return out;
}

async function podmanPull(ref: string, extra: string[], registriesConf: string): Promise<Pulled> {
  const podman = (args: string[]) =>
    runOk(...lan!.inside('node', 'podman', [...podmanArgs(nodeDir), ...args]), { env: { CONTAINERS_REGISTRIES_CONF: registriesConf }, timeoutMs: 180_000 });
  await podman(['pull', '-q', ...extra, ref]);
  const [info] = JSON.parse(await podman(['image', 'inspect', ref])) as { Id: string; RootFS: { Layers: string[] } }[];
  return { configDigest: `sha256:${info!.Id}`, diffIds: info!.RootFS.Layers };
}

describe.skipIf(unavailable !== undefined)('docker and podman pulling through configure’s files over HTTPS', () => {
  let tar: string;
  let certs: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    env = await startClientEnv();
    await importBusybox(env.docker, env.dir, 'library/busybox:configure');
    tar = await dockerSave(env.docker, join(env.dir, 'configure.tar'), ['library/busybox:configure']);
    expected = await readExpected(tar);
    lan = await createLan(['seed', 'node']);
    registry = `${lan.address.seed}:${PORT}`;
    certs = await makeCerts(env.dir, [`IP:${lan.address.seed}`]);
    const args = [BIN, '--tar', tar, '--host', lan.address.seed!, '--port', String(PORT), '--tls-cert', certs.cert, '--tls-key', certs.key];
    seed = startDaemon(...lan.inside('seed', process.execPath, args), join(env.dir, 'seed.log'));
    await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed!.log()), 60_000, seed);
    nodeDir = mkdtempSync('/tmp/sr-');
  });

  afterAll(async () => {
    await nodeDocker?.stop();
    await seed?.stop();
    await lan?.remove();
    if (dockerCertsDir) rmSync(dockerCertsDir, { recursive: true, force: true });
    if (nodeDir) rmSync(nodeDir, { recursive: true, force: true, maxRetries: 3 });
    await env?.stop();
  });

  it('docker: daemon.json registry-mirrors sends a Docker Hub pull to the seed, trusted through certs.d', async () => {
    const out = await configure('docker', tar, certs.ca);
    // dockerd reads certs.d only from /etc/docker/certs.d; the directory is this test's own LAN address.
    dockerCertsDir = join(DOCKER_CERTS, registry);
    mkdirSync(DOCKER_CERTS, { recursive: true });
    cpSync(join(out, 'certs.d', registry), dockerCertsDir, { recursive: true });
    nodeDocker = await startDockerd(nodeDir, lan!.wrap('node'), readFileSync(join(out, 'daemon.json'), 'utf8'));
    const { configDigest, diffIds } = expectedFor(expected, SAVED_REF);
    expect(await dockerPull(nodeDocker, SAVED_REF)).toEqual({ configDigest, diffIds });
    expect(await dockerPull(nodeDocker, `${registry}/library/busybox:configure`)).toEqual({ configDigest, diffIds });
  });

  it('podman: the registries.conf.d drop-in mirrors docker.io to the seed, trusted through certs.d', async () => {
    const out = await configure('podman', tar, certs.ca);
    const dropIn = join(out, 'registries.conf.d/50-seed-registry.conf');
    const certDir = join(out, 'certs.d', registry);
    const { configDigest, diffIds } = expectedFor(expected, SAVED_REF);
    expect(await podmanPull(HUB_REF, ['--cert-dir', certDir], dropIn)).toEqual({ configDigest, diffIds });
  });

  it('podman: without the CA the seed is not trusted (the pulls above verified its certificate)', async () => {
    const empty = join(env.dir, 'no-certs');
    mkdirSync(empty, { recursive: true });
    const r = await run(...lan!.inside('node', 'podman', [...podmanArgs(nodeDir), 'pull', '-q', '--cert-dir', empty, `${registry}/library/busybox:configure`]), {
      timeoutMs: 60_000,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate|x509/i);
  });
});
