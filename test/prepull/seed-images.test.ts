// prepull's listing of the seed through the registry clients' shared layer (src/client), against the
// real seed-registry binary on free loopback ports: plain HTTP, and HTTPS with an openssl-made CA and
// an htpasswd file. Every refusal is one line naming the fix (a wrong CA, missing credentials).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError } from '../../src/load-error.js';
import { listImages, type SeedAddress } from '../../src/prepull/seed-images.js';
import { makeCerts } from '../clients/helpers/certs.js';
import { BIN, startSeed, type RunningSeed } from '../check/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-prepull-'));
const seeds: RunningSeed[] = [];
let plain = '';
let secure = '';
let ca = '';
let caFile = '';
let otherCa = '';
let socketServer: Server;
const socket = join(dir, 'cri.sock');
const passwordFile = join(dir, 'password');
const ALICE = { username: 'alice', password: 's3cret' };
/** The fixture's one image is docker.io/library/busybox:seed; the catalog names it busybox and library/busybox. */
const BUSYBOX = ['docker.io/library/busybox:seed'];
const UPSTREAMS = ['docker.io', 'ghcr.io'];

beforeAll(async () => {
  const certs = await makeCerts(mkdtempSync(join(dir, 'ca-')), ['IP:127.0.0.1']);
  caFile = certs.ca;
  ca = readFileSync(caFile, 'utf8');
  otherCa = (await makeCerts(mkdtempSync(join(dir, 'other-')), ['IP:127.0.0.1'])).ca;
  const htpasswd = join(dir, 'htpasswd');
  const made = spawnSync('htpasswd', ['-bBc', '-C', '5', htpasswd, ALICE.username, ALICE.password], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`htpasswd: ${made.stderr}`);
  writeFileSync(passwordFile, `${ALICE.password}\n`);
  const [p, s] = await Promise.all([startSeed([]), startSeed(['--tls-cert', certs.cert, '--tls-key', certs.key, '--htpasswd', htpasswd])]);
  seeds.push(p, s);
  plain = `127.0.0.1:${p.port}`;
  secure = `127.0.0.1:${s.port}`;
  // A unix socket that hangs up on every connection: prepull's CRI check passes, every pull fails.
  socketServer = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => socketServer.listen(socket, resolve));
}, 60_000);

afterAll(async () => {
  for (const s of seeds) s.stop();
  await new Promise((resolve) => socketServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The error listImages refused with. */
async function refusal(seed: SeedAddress, upstreams = UPSTREAMS): Promise<LoadError> {
  const error = await listImages(seed, upstreams).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LoadError);
  expect((error as LoadError).message).not.toContain('\n');
  return error as LoadError;
}

describe('listImages through the client layer', () => {
  it('plain HTTP: every tagged image by its original name; a repository no upstream claims is reported', async () => {
    expect(await listImages({ registry: plain, scheme: 'http' }, UPSTREAMS)).toEqual({ images: BUSYBOX, unclaimed: [] });
    expect(await listImages({ registry: plain, scheme: 'http' }, ['ghcr.io'])).toEqual({ images: [], unclaimed: ['busybox', 'library/busybox'] });
  });

  it('HTTPS with the CA and credentials: Basic sent after the seed challenged', async () => {
    expect(await listImages({ registry: secure, scheme: 'https', ca, credentials: ALICE }, UPSTREAMS)).toEqual({ images: BUSYBOX, unclaimed: [] });
  });

  it('a wrong CA: one line, the TLS failure in words and the fix', async () => {
    const error = await refusal({ registry: secure, scheme: 'https', ca: readFileSync(otherCa, 'utf8'), credentials: ALICE });
    expect(error.message).toMatch(/^prepull: cannot reach 127\.0\.0\.1:\d+: https:\/\/127\.0\.0\.1:\d+: TLS: unknown authority \(.*\) \(give --ca FILE, the CA the seed's certificate is signed by/);
  });

  it('no credentials, or a wrong password: the seed\'s refusal and what to give', async () => {
    expect((await refusal({ registry: secure, scheme: 'https', ca })).message).toMatch(/authentication refused without credentials \(give --username and --password-file/);
    expect((await refusal({ registry: secure, scheme: 'https', ca, credentials: { username: 'alice', password: 'guess' } })).message).toMatch(/authentication refused as alice: 401 /);
  });

  it('HTTPS asked of a plain-HTTP seed: a TLS line that names --plain-http', async () => {
    expect((await refusal({ registry: plain, scheme: 'https' })).message).toMatch(/TLS: .*or --plain-http if the seed serves plain HTTP\)$/);
  });
});

/** `seed-registry prepull ARGS` to its end, without blocking the test's own socket server. */
function prepull(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'prepull', '--cri', `unix://${socket}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('seed-registry prepull --registry', () => {
  it('lists through --ca and --username/--password-file (each pull then fails at the stand-in CRI socket)', async () => {
    const r = await prepull(['--registry', secure, '--ca', caFile, '--username', 'alice', '--password-file', passwordFile, '--upstream', 'docker.io']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^failed docker\.io\/library\/busybox:seed \(1\/1\): /m);
    expect(r.stdout).toMatch(/^prepull: 1 images: 0 pulled, 0 already present, 1 failed, in /m);
    expect(r.code).toBe(1);
  }, 30_000);

  it('a wrong CA: exit 1 and one line on stderr naming --ca', async () => {
    const r = await prepull(['--registry', secure, '--ca', otherCa, '--username', 'alice', '--password-file', passwordFile]);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^seed-registry: prepull: cannot reach 127\.0\.0\.1:\d+: .*TLS: unknown authority .*give --ca FILE/);
    expect(r.code).toBe(1);
  }, 30_000);

  it('an unreadable password file: one line naming it', async () => {
    const r = await prepull(['--registry', secure, '--username', 'alice', '--password-file', join(dir, 'absent')]);
    expect(r.stderr).toMatch(/^seed-registry: prepull: --password-file .*absent: .*\n$/);
    expect(r.code).toBe(1);
  });
});

