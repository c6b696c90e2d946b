// `seed-registry check` from a node: two network namespaces made by this test, the seed on one with
// --tls-self-signed and --htpasswd, a node with its own containerd on the other. On the node,
// `configure --runtime containerd --check` writes the hosts.toml tree and passes every check; then
// ctr pulls through that tree by the image's original name. A tree written without the CA fails
// its image line, as containerd would fail the pull. The mirrors' fall-back `server` is a closed
// loopback port and the namespaces have no route out.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { startContainerd, type Containerd } from './helpers/containerd.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { createLan, netnsUnavailable, type Lan } from './helpers/lan.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { SEED_IMAGE } from './helpers/push.js';
import { freePort } from './helpers/registry-image.js';
import { run } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const SEED_PORT = 5443;
const USER = 'node';
const PASSWORD = 'pull-only secret';
const IMAGE = 'docker.io/library/busybox:seed';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`check.test.ts SKIPPED: network namespaces cannot be created here: ${unavailable}`);

let dir: string;
let lan: Lan | undefined;
let seed: Daemon | undefined;
let node: Containerd | undefined;
let expected: ExpectedImage[];
let registry: string;

describe.skipIf(unavailable !== undefined)('check from a node with containerd', () => {
  beforeAll(async () => {
    dir = mkdtempSync('/tmp/sr-check-');
    expected = await readExpected(SEED_IMAGE);
    lan = await createLan(['seed', 'node']);
    registry = `${lan.address.seed}:${SEED_PORT}`;
    writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 10)}\n`);
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
    const args = [BIN, '--tar', SEED_IMAGE, '--host', lan.address.seed!, '--port', String(SEED_PORT), '--tls-self-signed', join(dir, 'tls'), '--advertise', registry, '--htpasswd', join(dir, 'htpasswd')];
    seed = startDaemon(...lan.inside('seed', process.execPath, args), join(dir, 'seed.log'));
    await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed!.log()), 60_000, seed);
    node = await startContainerd(mkdtempSync('/tmp/sr-'), lan.wrap('node'));
  });

  afterAll(async () => {
    await node?.stop().catch((e: unknown) => console.error(e));
    await seed?.stop();
    await lan?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  const onNode = (args: string[]) => run(...lan!.inside('node', process.execPath, [BIN, ...args]), { timeoutMs: 60_000 });
  const configure = (out: string, extra: string[]) =>
    onNode(['configure', '--runtime', 'containerd', '--tar', SEED_IMAGE, '--registry', registry, '--username', USER, '--password-file', join(dir, 'password'), '--out', out, '--check', ...extra]);

  it('configure --runtime containerd --check passes on the node, then ctr pulls through what it wrote', async () => {
    const out = join(dir, 'certs.d');
    const r = await configure(out, ['--ca', join(dir, 'tls/ca.crt')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const checked = lines.slice(lines.indexOf(`checking ${registry} through the containerd configuration above:`) + 1);
    expect(checked.map((l) => l.split(':')[0])).toEqual(['ok    resolve', 'ok    connect', 'ok    tls chain', 'ok    tls name', 'ok    tls clock', 'ok    GET /v2/', `ok    image docker.io/library/busybox`]);
    expect(checked.at(-1)).toContain(`at https://${registry}/v2/library/busybox/manifests/seed?ns=docker.io (${out}/docker.io/hosts.toml)`);

    // The fall-back upstream must not exist here: a closed port on the node's loopback.
    const closed = await freePort();
    for (const upstream of readdirSync(out)) {
      const path = join(out, upstream, 'hosts.toml');
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^server = .*$/m, `server = "https://127.0.0.1:${closed}"`));
    }
    const again = await onNode(['check', '--registry', registry, '--ca', join(dir, 'tls/ca.crt'), '--username', USER, '--password-file', join(dir, 'password'), '--image', IMAGE, '--runtime', 'containerd', '--config', out]);
    expect(again.code, again.stdout).toBe(0);
    const pulled = await ctrPull(node!, IMAGE, { https: true, extraArgs: ['--hosts-dir', out] });
    const { configDigest, diffIds } = expectedFor(expected, 'library/busybox:seed');
    expect(pulled).toEqual({ configDigest, diffIds });
  });

  it('a tree written without the CA: configure --check fails on the chain, check with --ca fails the image line, as the pull fails', async () => {
    const out = join(dir, 'certs.d-noca');
    const r = await configure(out, []);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}tls chain: the seed's certificate is issued by CN=seed-registry CA .*, which this node does not trust \(unknown authority\); fix: give --ca/m);

    const checked = await onNode(['check', '--registry', registry, '--ca', join(dir, 'tls/ca.crt'), '--username', USER, '--password-file', join(dir, 'password'), '--image', IMAGE, '--runtime', 'containerd', '--config', out]);
    expect(checked.code).toBe(1);
    const lines = checked.stdout.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('ok    '))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^FAIL  image docker\\.io/library/busybox:seed: HEAD https://${registry.replace(/\./g, '\\.')}/v2/library/busybox/manifests/seed\\?ns=docker\\.io \\(${out}/docker\\.io/hosts\\.toml\\) failed: TLS: unknown authority .*; fix: give the runtime the seed's CA`));
    const pull = await run(...lan!.inside('node', 'ctr', ['-a', node!.address, '-n', 'seed-test', 'images', 'pull', '--hosts-dir', out, IMAGE]), { timeoutMs: 60_000 });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/x509|certificate/);
  });
});
