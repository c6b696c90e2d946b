// `seed-registry prepull` against containerd's CRI plugin (what the kubelet talks to), on a node in a
// network namespace of this test: every served image pulled by its original name through the node's
// hosts.toml (configure --runtime containerd, with credentials) to the seed over TLS; a second run pulls
// nothing (ImageStatus first: the seed sends no blob byte); `--images` with the list configure --prepull
// writes for k3s pulls only what is missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLegacySave, type BenchImage } from '../../bench/images.js';
import { startContainerd, type Containerd } from './helpers/containerd.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { createLan, netnsUnavailable, type Lan } from './helpers/lan.js';
import { freePort } from './helpers/registry-image.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';
import { seedBlobBytes } from './helpers/tiered.js';
import { mkdtempSync, rmSync } from 'node:fs';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const PORT = 5443;
const USER = 'node';
const PASSWORD = 'pull secret';
const NAMES = ['docker.io/library/prepull:1', 'registry.k8s.io/prepull/pause:3', 'ghcr.io/org/tool:2'];
const UPSTREAMS = ['--upstream', 'docker.io', '--upstream', 'registry.k8s.io', '--upstream', 'ghcr.io'];

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`prepull.test.ts SKIPPED: network namespaces cannot be made here: ${unavailable}`);

let dir: string;
let lan: Lan;
let seed: Daemon;
let node: Containerd;
let images: (BenchImage & { ref: string })[];
let seedAddress: string;
const ca = () => join(dir, 'tls/ca.crt');

/** `seed-registry prepull` inside the node's namespace, with the seed's CA and credentials. */
function prepull(args: string[]) {
  return run(...lan.inside('node', process.execPath, [BIN, 'prepull', '--cri', `unix://${node.address}`, '--ca', ca(), '--username', USER, '--password-file', join(dir, 'password'), ...args]));
}

/** Image names in the CRI namespace, and the config digest each name's manifest points at. */
async function criImages(): Promise<Map<string, string>> {
  const ctr = (args: string[]) => runOk('ctr', ['-a', node.address, '-n', 'k8s.io', ...args]);
  const found = new Map<string, string>();
  for (const line of (await ctr(['images', 'ls'])).split('\n').slice(1)) {
    const [name, , target] = line.split(/\s+/);
    if (!name || !target || name.includes('@sha256:') || name.startsWith('sha256:')) continue;
    const manifest = JSON.parse(await ctr(['content', 'get', target])) as { config: { digest: string } };
    found.set(name, manifest.config.digest);
  }
  return found;
}

describe.skipIf(unavailable !== undefined)('seed-registry prepull through containerd\'s CRI', () => {
  beforeAll(async () => {
    dir = mkdtempSync('/tmp/sr-pre-');
    images = NAMES.map((name, i) => ({ ...writeLegacySave(join(dir, `image${i}.tar`), { name, layerCount: 1, layerMiB: 2, seed: `prepull${i}` }), ref: name }));
    lan = await createLan(['seed', 'node']);
    seedAddress = `${lan.address.seed}:${PORT}`;
    writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 8)}\n`);
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
    const tars = images.flatMap((i) => ['--tar', i.path]);
    seed = startDaemon(...lan.inside('seed', process.execPath, [BIN, ...tars, '--host', lan.address.seed!, '--port', String(PORT), '--tls-self-signed', join(dir, 'tls'), '--advertise', seedAddress, '--htpasswd', join(dir, 'htpasswd'), '--quiet']), join(dir, 'seed.log'));
    await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed.log()), 60_000, seed);
    const hosts = join(dir, 'certs.d');
    await runOk(process.execPath, [BIN, 'configure', '--runtime', 'containerd', ...tars, '--registry', seedAddress, '--ca', ca(), '--username', USER, '--password-file', join(dir, 'password'), '--out', hosts]);
    const closed = await freePort();
    for (const upstream of readdirSync(hosts)) {
      const path = join(hosts, upstream, 'hosts.toml');
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^server = .*$/m, `server = "https://127.0.0.1:${closed}"`));
    }
    mkdirSync(join(dir, 'node'));
    node = await startContainerd(join(dir, 'node'), lan.wrap('node'), { cri: { configPath: hosts } });
  });
  afterAll(async () => {
    await node?.stop();
    await seed?.stop();
    await lan?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  it('pulls every served image by its original name into the CRI namespace, with the archive\'s config', async () => {
    const r = await prepull(['--registry', seedAddress, ...UPSTREAMS, '--concurrency', '2']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const name of NAMES) expect(r.stdout).toMatch(new RegExp(`^pulled ${name.replace(/[.]/g, '\\.')} \\(\\d/3, [\\d.]+ s\\)$`, 'm'));
    expect(r.stdout).toMatch(/^prepull: 3 images: 3 pulled, 0 already present, 0 failed, in [\d.]+ s$/m);
    const held = await criImages();
    for (const image of images) expect(held.get(image.ref)).toBe(image.config.digest);
  });

  it('a second run finds everything present and costs the seed no blob bytes', async () => {
    const before = await seedBlobBytes(lan, 'seed', ca(), seedAddress);
    const r = await prepull(['--registry', seedAddress, ...UPSTREAMS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^prepull: 3 images: 0 pulled, 3 already present, 0 failed/m);
    expect(await seedBlobBytes(lan, 'seed', ca(), seedAddress)).toBe(before);
  });

  it('--images takes the list configure --runtime k3s --prepull writes, and pulls only what is missing', async () => {
    const out = join(dir, 'k3s');
    await runOk(process.execPath, [BIN, 'configure', '--runtime', 'k3s', '--prepull', ...images.flatMap((i) => ['--tar', i.path]), '--registry', seedAddress, '--out', out]);
    const list = join(out, 'agent/images/seed-registry-images.txt');
    expect(readFileSync(list, 'utf8')).toBe([...NAMES].sort().map((n) => `${n}\n`).join(''));
    await runOk('ctr', ['-a', node.address, '-n', 'k8s.io', 'images', 'rm', '--sync', NAMES[1]!]);
    const r = await prepull(['--images', list]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pulled ${NAMES[1]!.replace(/[.]/g, '\\.')} `, 'm'));
    expect(r.stdout).toMatch(/^prepull: 3 images: 1 pulled, 2 already present, 0 failed/m);
  });

  it('a repository none of the --upstream registries claims is named in a warning line', async () => {
    const r = await prepull(['--registry', seedAddress, '--upstream', 'docker.io']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning: org\/tool: served, but under none of the registries asked \(docker\.io\); add --upstream$/m);
  });

  it('a CRI socket that is not there fails with one line', () => {
    const r = spawnSync(process.execPath, [BIN, 'prepull', '--images', join(dir, 'password'), '--cri', 'tcp://127.0.0.1:1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--cri.*expected unix:\/\/\/path\/to\/socket/);
  });
});
