// HTTPS with the self-signed CA and read auth (--htpasswd), judged by docker, skopeo and containerd.
// Everything runs in a network namespace of the test's own on a non-loopback address: dockerd
// treats 127.0.0.0/8 as an insecure registry and would never check the certificate there.
// Each client first fails without the CA or without credentials, so a pass proves both are used.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull, readOciLayout } from './helpers/clients.js';
import { CTR_NAMESPACE, type Containerd } from './helpers/containerd.js';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { canCreateNetns, createNetns, type Netns } from './helpers/netns.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { run, runOk } from './helpers/run.js';
import { sha256 } from './helpers/tarball.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const REF = 'seed/private:1';
const USER = 'alice';
const PASSWORD = 's3cret-pw';

// Only where this machine cannot make a network namespace (not root, no iproute2): said, not hidden.
const NETNS = await canCreateNetns();
if (!NETNS) console.warn('SKIPPED auth-tls.test.ts: cannot create a network namespace (ip netns add failed)');

let ns: Netns;
let env: ClientEnv;
let seed: Daemon;
let registry: string;
let certs: string;
let expected: ExpectedImage;
/** dockerd reads only /etc/docker/certs.d; this test's HOST:PORT entry, removed at the end. */
let dockerCertsDir: string | undefined;

beforeAll(async () => {
  if (!NETNS) return;
  ns = await createNetns();
  env = await startClientEnv(ns.wrap);
  await importBusybox(env.docker, env.dir, REF);
  const tar = await dockerSave(env.docker, join(env.dir, 'private.tar'), [REF]);
  await env.docker.docker(['rmi', REF]); // so docker's pull below fetches every layer
  expected = expectedFor(await readExpected(tar), REF);
  const htpasswd = join(env.dir, 'htpasswd');
  await runOk('htpasswd', ['-Bbc', htpasswd, USER, PASSWORD]);
  certs = join(env.dir, 'seed-certs');
  const args = [BIN, '--tar', tar, '--port', '0', '--host', ns.address, '--tls-self-signed', certs, '--advertise', ns.address, '--htpasswd', htpasswd];
  seed = startDaemon(...ns.wrap(process.execPath, args), join(env.dir, 'seed.log'));
  const listening = new RegExp(`listening on https://${ns.address.replace(/\./g, '\\.')}:(\\d+)`);
  await waitUntil('seed-registry', async () => listening.test(seed.log()), 60_000, seed);
  registry = `${ns.address}:${listening.exec(seed.log())![1]}`;
});
afterAll(async () => {
  await seed?.stop();
  await env?.stop();
  if (dockerCertsDir) rmSync(dockerCertsDir, { recursive: true, force: true });
  await ns?.remove();
});

/** containerd's client (ctr fetches in its own process) inside the namespace. */
function ctrInNs(): Containerd {
  const ctr = (args: string[], options = {}) => runOk(...ns.wrap('ctr', ['-a', env.containerd.address, '-n', CTR_NAMESPACE, ...args]), options);
  return { ...env.containerd, ctr };
}

function hostsDir(withCa: boolean): string {
  const dir = join(env.dir, withCa ? 'hosts-ca' : 'hosts-noca');
  mkdirSync(join(dir, registry), { recursive: true });
  const ca = withCa ? [`  ca = "${join(certs, 'ca.crt')}"`] : [];
  writeFileSync(join(dir, registry, 'hosts.toml'), [`server = "https://${registry}"`, `[host."https://${registry}"]`, '  capabilities = ["pull", "resolve"]', ...ca, ''].join('\n'));
  return dir;
}

describe.skipIf(!NETNS)('seed-registry over HTTPS with --htpasswd', () => {
  it('docker: refuses the unknown CA, then with certs.d/HOST:PORT/ca.crt needs login, then pulls', async () => {
    const login = ['login', '-u', USER, '-p', PASSWORD, registry];
    await expect(env.docker.docker(login)).rejects.toThrow(/x509|certificate/);
    dockerCertsDir = join('/etc/docker/certs.d', registry);
    mkdirSync(dockerCertsDir, { recursive: true });
    copyFileSync(join(certs, 'ca.crt'), join(dockerCertsDir, 'ca.crt'));
    await expect(env.docker.docker(['pull', `${registry}/${REF}`])).rejects.toThrow(/no basic auth credentials|unauthorized/i);
    await expect(env.docker.docker(['login', '-u', USER, '-p', 'wrong', registry])).rejects.toThrow(/unauthorized|401/i);
    await env.docker.docker(login);
    const pulled = await dockerPull(env.docker, `${registry}/${REF}`);
    expect(pulled).toEqual({ configDigest: expected.configDigest, diffIds: expected.diffIds });
  });

  it('skopeo: --src-cert-dir with the CA and --src-creds', async () => {
    const certDir = join(env.dir, 'skopeo-certs');
    mkdirSync(certDir, { recursive: true });
    copyFileSync(join(certs, 'ca.crt'), join(certDir, 'ca.crt'));
    const src = `docker://${registry}/${REF}`;
    const skopeo = (args: string[]) => run(...ns.wrap('skopeo', args));
    // An empty --cert-dir: without it skopeo would also read the docker test's /etc/docker/certs.d entry.
    const noCa = join(env.dir, 'skopeo-empty');
    mkdirSync(noCa, { recursive: true });
    expect((await skopeo(['inspect', '--cert-dir', noCa, '--creds', `${USER}:${PASSWORD}`, src])).stderr).toMatch(/x509|certificate/);
    expect((await skopeo(['inspect', '--cert-dir', certDir, '--creds', `${USER}:wrong`, src])).stderr).toMatch(/unauthorized|401/i);
    const out = join(env.dir, 'skopeo-oci');
    await runOk(...ns.wrap('skopeo', ['copy', '--quiet', '--src-cert-dir', certDir, '--src-creds', `${USER}:${PASSWORD}`, src, `oci:${out}`]));
    const config = await runOk(...ns.wrap('skopeo', ['inspect', '--cert-dir', certDir, '--creds', `${USER}:${PASSWORD}`, '--raw', '--config', src]));
    expect(sha256(Buffer.from(config, 'utf8'))).toBe(expected.configDigest);
    expect(readOciLayout(out, REF)[0]?.diffIds).toEqual(expected.diffIds);
  });

  it('containerd: hosts.toml with the CA, credentials from ctr --user', async () => {
    const ctr = ctrInNs();
    const ref = `${registry}/${REF}`;
    await expect(ctrPull(ctr, ref, { extraArgs: ['--hosts-dir', hostsDir(false), '--user', `${USER}:${PASSWORD}`] })).rejects.toThrow(/x509|certificate/);
    await expect(ctrPull(ctr, ref, { extraArgs: ['--hosts-dir', hostsDir(true)] })).rejects.toThrow(/401|unauthorized/i);
    const pulled = await ctrPull(ctr, ref, { extraArgs: ['--hosts-dir', hostsDir(true), '--user', `${USER}:${PASSWORD}`] });
    expect(pulled).toEqual({ configDigest: expected.configDigest, diffIds: expected.diffIds });
  });

  it("the seed's log named each failure: the clients' handshakes without the CA, and docker's wrong password with its user", async () => {
    const log = seed.log();
    const from = ns.address.replace(/\./g, '\\.');
    // Go clients (dockerd, skopeo, containerd) send bad_certificate for an unknown authority.
    expect(log).toMatch(new RegExp(`^tls: handshake from ${from} failed: bad certificate: `, 'm'));
    expect(log).toMatch(new RegExp(`^GET /v2/ 401 \\d+ \\d+ms from ${from} user "${USER}"$`, 'm'));
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toMatch(/wrong/);
  });

  it('the seed served /livez without credentials, and counted the 401s', async () => {
    const curl = (path: string) => runOk(...ns.wrap('curl', ['-sS', '--cacert', join(certs, 'ca.crt'), `https://${registry}${path}`]));
    expect(await curl('/livez')).toBe('ok\n');
    expect(await curl('/metrics')).toMatch(/^http_requests_total\{handler="manifests",method="(GET|HEAD)",code="401"\} [1-9]/m);
  });
});
