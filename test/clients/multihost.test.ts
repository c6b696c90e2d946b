// A cluster of three hosts in network namespaces made by this test: the seed on one, two nodes each
// with its own containerd. Each node pulls through `seed-registry configure`'s hosts.toml tree over TLS,
// by the seed's advertised LAN address, trusting only the CA the seed made, and with the read
// credentials (--htpasswd) that configure put in hosts.toml's Authorization header. The mirrors' fall-back
// `server` is a closed loopback port, and the namespaces have no route out: nothing leaves the machine.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { CTR_NAMESPACE, startContainerd, type Containerd } from './helpers/containerd.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { createLan, netnsUnavailable, type Lan } from './helpers/lan.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { freePort } from './helpers/registry-image.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const SEED_PORT = 5443;
const NODES = ['node1', 'node2'] as const;
const USER = 'node';
const PASSWORD = 'pull-only secret';
const IMAGES = [
  { ref: 'docker.io/library/busybox:multihost', saved: 'busybox:multihost' },
  { ref: 'registry.k8s.io/seed/pause:multihost', saved: 'registry.k8s.io/seed/pause:multihost' },
];

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`multihost.test.ts SKIPPED: network namespaces cannot be created here: ${unavailable}`);

let env: ClientEnv;
let lan: Lan | undefined;
let seed: Daemon | undefined;
let expected: ExpectedImage[];
let hostsDir: string;
let hostsDirNoAuth: string;
const nodes: Record<string, Containerd> = {};
const nodeDirs: string[] = [];

/** The seed inside its namespace, on its LAN address, with a CA and certificate it makes itself. */
async function startSeedOnLan(tar: string, dir: string): Promise<Daemon> {
  const address = `${lan!.address.seed}:${SEED_PORT}`;
  writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 10)}\n`);
  const args = [BIN, '--tar', tar, '--host', lan!.address.seed!, '--port', String(SEED_PORT), '--tls-self-signed', join(dir, 'tls'), '--advertise', address, '--htpasswd', join(dir, 'htpasswd')];
  const daemon = startDaemon(...lan!.inside('seed', process.execPath, args), join(dir, 'seed.log'));
  await waitUntil('seed-registry', async () => /listening on https:\/\//.test(daemon.log()), 60_000, daemon);
  return daemon;
}

/** In a test, the upstream a mirror falls back to must not exist: a closed port on the node's own loopback. */
function closeFallbacks(dir: string, closedPort: number) {
  for (const upstream of readdirSync(dir)) {
    const path = join(dir, upstream, 'hosts.toml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^server = .*$/m, `server = "https://127.0.0.1:${closedPort}"`));
  }
}

describe.skipIf(unavailable !== undefined)('three hosts on a LAN of network namespaces', () => {
  beforeAll(async () => {
    env = await startClientEnv();
    await importBusybox(env.docker, env.dir, 'library/busybox:multihost');
    await importBusybox(env.docker, env.dir, IMAGES[1]!.saved, { 'etc/role': 'pause\n' });
    const tar = await dockerSave(env.docker, join(env.dir, 'cluster.tar'), IMAGES.map((i) => i.saved));
    expected = await readExpected(tar);
    lan = await createLan(['seed', ...NODES]);
    seed = await startSeedOnLan(tar, env.dir);
    const configure = async (out: string, extra: string[]) => {
      await runOk(process.execPath, [BIN, 'configure', '--runtime', 'containerd', '--tar', tar, '--registry', `${lan!.address.seed}:${SEED_PORT}`, '--ca', join(env.dir, 'tls/ca.crt'), '--out', out, ...extra]);
      closeFallbacks(out, closedPort);
      return out;
    };
    const closedPort = await freePort();
    writeFileSync(join(env.dir, 'password'), `${PASSWORD}\n`);
    hostsDir = await configure(join(env.dir, 'certs.d'), ['--username', USER, '--password-file', join(env.dir, 'password')]);
    hostsDirNoAuth = await configure(join(env.dir, 'certs.d-noauth'), []);
    for (const node of NODES) {
      const dir = mkdtempSync('/tmp/sr-');
      nodeDirs.push(dir);
      nodes[node] = await startContainerd(dir, lan.wrap(node));
    }
  });

  afterAll(async () => {
    for (const node of Object.values(nodes)) await node.stop().catch((e: unknown) => console.error(e));
    await seed?.stop();
    await lan?.remove();
    for (const dir of nodeDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    await env?.stop();
  });

  it('configure wrote a hosts.toml for each upstream the archive names, and one for the seed itself', () => {
    expect(readdirSync(hostsDir).sort()).toEqual(['docker.io', `${lan!.address.seed}:${SEED_PORT}`, 'registry.k8s.io'].sort());
  });

  for (const node of NODES) {
    it.each(IMAGES)(`${node} pulls %s by its original name through the seed over TLS, with the credentials configure wrote`, async ({ ref, saved }) => {
      const pulled = await ctrPull(nodes[node]!, ref, { https: true, extraArgs: ['--hosts-dir', hostsDir] });
      const { configDigest, diffIds } = expectedFor(expected, saved);
      expect(pulled).toEqual({ configDigest, diffIds });
    });
  }

  it('without the credentials configure wrote, the seed refuses the node', async () => {
    const r = await run(...lan!.inside('node1', 'ctr', ['-a', nodes.node1!.address, '-n', CTR_NAMESPACE, 'images', 'pull', '--hosts-dir', hostsDirNoAuth, 'docker.io/library/busybox:multihost']));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/401|unauthorized/i);
  });

  it('the seed saw each upstream named in ?ns=, over its LAN address', () => {
    const log = seed!.log();
    expect(log).toMatch(/\/v2\/library\/busybox\/manifests\/multihost\?ns=docker\.io/);
    expect(log).toMatch(/\/v2\/seed\/pause\/manifests\/multihost\?ns=registry\.k8s\.io/);
  });
});
