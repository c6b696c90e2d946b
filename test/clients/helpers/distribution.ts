// Debian's docker-registry (distribution) as a push target: plain HTTP, HTTPS with a test CA,
// htpasswd Basic auth or token auth, each in its own temp dir on a free loopback port, stopped by pid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { startDaemon, waitUntil, type Daemon } from './daemon.js';
import { freePort } from './registry-image.js';
import { runOk } from './run.js';
import { REGISTRY_BINARY } from './tools.js';

export interface DistributionOptions {
  /** `{ user: password }`, written with `htpasswd -B`. */
  htpasswd?: Record<string, string>;
  /** PEM files of a server certificate for 127.0.0.1 and its key. */
  tls?: { cert: string; key: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** A loopback port chosen beforehand (a client already waiting for it); a free one otherwise. */
  port?: number;
}

export interface Distribution {
  host: string;
  dir: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

const READY_MS = 20_000;

export async function startDistribution(options: DistributionOptions = {}): Promise<Distribution> {
  const dir = mkdtempSync('/tmp/sr-dist-');
  const port = options.port ?? (await freePort());
  const lines = ['version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: 127.0.0.1:${port}`];
  if (options.tls) lines.push('  tls:', `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`);
  if (options.htpasswd) {
    const file = join(dir, 'htpasswd');
    for (const [user, password] of Object.entries(options.htpasswd)) {
      await runOk('htpasswd', ['-bB', ...(Object.keys(options.htpasswd)[0] === user ? ['-c'] : []), file, user, password]);
    }
    lines.push('auth:', '  htpasswd:', '    realm: seed-test', `    path: ${file}`);
  }
  if (options.token) {
    const t = options.token;
    lines.push('auth:', '  token:', `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootCertBundle}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const daemon = startDaemon(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], join(dir, 'registry.log'));
  const scheme = options.tls ? 'https' : 'http';
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const stop = async () => {
    await daemon.stop();
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`docker-registry on ${port}`, async () => {
      const res = await request(`${scheme}://127.0.0.1:${port}/v2/`, { dispatcher: agent });
      await res.body.dump();
      return res.statusCode === 200 || res.statusCode === 401;
    }, READY_MS, daemon);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: `127.0.0.1:${port}`, dir, daemon, stop };
}

/** A test CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
export async function makeTestCa(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const p = (name: string) => join(dir, name);
  await runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=seed-push-test-ca', '-keyout', p('ca.key'), '-out', p('ca.crt')]);
  await runOk('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', p('server.key'), '-out', p('server.csr')]);
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await runOk('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('san.ext'), '-out', p('server.crt')]);
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}
