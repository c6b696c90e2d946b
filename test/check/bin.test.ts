// `seed-registry check` against the real binary serving the fixture: a good seed passes every line;
// each way a node can fail ends non-zero with its own line (cause and fix).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts } from '../clients/helpers/certs.js';
import { closedPort, FIXTURE, run, startSeed, type RunningSeed } from './seed.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-check-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const seeds: RunningSeed[] = [];
let seed!: RunningSeed;
let registry = '';
let otherCa = '';
const password = file('password', 's3cret\n');
const wrong = file('wrong', 'guess\n');
const selfSigned = join(dir, 'tls');
const ca = join(selfSigned, 'ca.crt');

beforeAll(async () => {
  const htpasswd = file('htpasswd', '');
  const made = await import('node:child_process').then((cp) => cp.spawnSync('htpasswd', ['-bBc', htpasswd, 'alice', 's3cret'], { encoding: 'utf8' }));
  if (made.status !== 0) throw new Error(`htpasswd: ${made.stderr}`);
  seed = await startSeed(['--tls-self-signed', selfSigned, '--htpasswd', htpasswd]);
  seeds.push(seed);
  registry = `127.0.0.1:${seed.port}`;
  otherCa = (await makeCerts(mkdtempSync(join(dir, 'other-')), ['IP:127.0.0.1'])).ca;
}, 60_000);

afterAll(() => {
  for (const s of seeds) s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const good = () => ['check', '--registry', registry, '--ca', ca, '--username', 'alice', '--password-file', password, '--image', 'busybox:seed'];

describe('seed-registry check', () => {
  it('passes every check on a good seed, one line each', () => {
    const r = run(good());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => l.split(':')[0])).toEqual(['ok    resolve', 'ok    connect', 'ok    tls chain', 'ok    tls name', 'ok    tls clock', 'ok    GET /v2/', 'ok    image docker.io/library/busybox']);
    expect(r.lines[6]).toMatch(/^ok {4}image docker\.io\/library\/busybox:seed: sha256:[0-9a-f]{64} at https:\/\/127\.0\.0\.1:\d+\/v2\/library\/busybox\/manifests\/seed\?ns=docker\.io/);
  });

  it('a wrong CA: the chain line names both CAs', () => {
    const r = run(['check', '--registry', registry, '--ca', otherCa]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}tls chain: the seed's certificate is issued by CN=seed-registry CA .*, not by the CA in .*other-.*\/ca\.crt: CN=seed-registry test CA .*unknown authority.*; fix: give --ca with the seed's CA/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^skip {2}GET \/v2\/: not checked \(tls chain failed\)$/));
  });

  it('no CA for a TLS seed: unknown authority, give --ca', () => {
    const r = run(['check', '--registry', registry]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}tls chain: .*which this node does not trust \(unknown authority\); fix: give --ca/));
  });

  it('a wrong password: /v2/ refused as the user', () => {
    const r = run(['check', '--registry', registry, '--ca', ca, '--username', 'alice', '--password-file', wrong]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}GET \/v2\/: https:\/\/127\.0\.0\.1:\d+\/v2\/ refused as alice \(401 .*\); fix: give the user and password of the seed's --htpasswd file/));
  });

  it('no credentials for a seed with --htpasswd', () => {
    const r = run(['check', '--registry', registry, '--ca', ca]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}GET \/v2\/: .* requires credentials \(401\).*; fix: give --username and --password-file/));
  });

  it('a closed port: connection refused', async () => {
    const port = await closedPort();
    const r = run(['check', '--registry', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.lines[1]).toBe(`FAIL  connect: 127.0.0.1 port ${port}: connection refused (nothing listens there); fix: start the seed with --port ${port}, or give --registry the port it listens on (its banner prints it)`);
  });

  it('a missing image: 404 through the same path', () => {
    const r = run([...good(), '--image', 'registry.k8s.io/pause:3.10']);
    expect(r.code).toBe(1);
    expect(r.lines.at(-2)).toMatch(/^ok {4}image docker\.io\/library\/busybox:seed/);
    expect(r.lines.at(-1)).toMatch(/^FAIL {2}image registry\.k8s\.io\/pause:3\.10: the seed has no such image: HEAD https:\/\/127\.0\.0\.1:\d+\/v2\/pause\/manifests\/3\.10\?ns=registry\.k8s\.io answered 404.*; fix: serve an archive that holds it/);
  });
});

describe('a seed serving plain HTTP', () => {
  let plain!: RunningSeed;
  beforeAll(async () => {
    plain = await startSeed([]);
    seeds.push(plain);
  }, 60_000);

  it('passes, saying the runtime must be configured for plain HTTP', () => {
    const r = run(['check', '--registry', `127.0.0.1:${plain.port}`, '--image', 'busybox:seed']);
    expect(r.code).toBe(0);
    expect(r.lines[2]).toMatch(/^ok {4}tls: none: the seed serves plain HTTP \(the runtime must be configured with configure --plain-http/);
    expect(r.lines.at(-1)).toMatch(/^ok {4}image docker\.io\/library\/busybox:seed: sha256:[0-9a-f]{64} at http:\/\//);
  });

  it('with --ca, plain HTTP is a failure', () => {
    const r = run(['check', '--registry', `127.0.0.1:${plain.port}`, '--ca', ca]);
    expect(r.code).toBe(1);
    expect(r.lines[2]).toMatch(/^FAIL {2}tls: the seed at 127\.0\.0\.1:\d+ answers plain HTTP, not TLS, yet --ca was given; fix: /);
  });

  it('a runtime configured for HTTPS while the seed serves plain HTTP', () => {
    const r = run(['configure', '--tar', FIXTURE, '--runtime', 'containerd', '--registry', `127.0.0.1:${plain.port}`, '--check']);
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toMatch(/^FAIL {2}image docker\.io\/library\/busybox:seed: .* asks https:\/\/127\.0\.0\.1:\d+ over HTTPS, but the seed serves plain HTTP; fix: write the runtime's configuration with configure --plain-http/);
    expect(run(['configure', '--tar', FIXTURE, '--runtime', 'containerd', '--registry', `127.0.0.1:${plain.port}`, '--plain-http', '--check']).code).toBe(0);
  });
});

describe('configure --check', () => {
  const configure = (runtime: string, extra: string[]) => run(['configure', '--tar', FIXTURE, '--runtime', runtime, '--registry', registry, '--ca', ca, '--username', 'alice', ...extra, '--check']);

  it.each(['containerd', 'podman', 'crio', 'k3s'])('%s: the printed configuration passes, the image through its route', (runtime) => {
    const r = configure(runtime, ['--password-file', password]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const checked = r.lines.slice(r.lines.findIndex((l) => l.startsWith('checking ')));
    expect(checked[0]).toBe(`checking ${registry} through the ${runtime} configuration above:`);
    expect(checked.slice(1).every((l) => l.startsWith('ok    '))).toBe(true);
    expect(checked.at(-1)).toMatch(/^ok {4}image docker\.io\/library\/busybox:seed: sha256:[0-9a-f]{64} at https:.*\(\(printed above\)\//);
  });

  it('written under --out and read back from there', () => {
    const out = mkdtempSync(join(dir, 'out-'));
    const r = configure('containerd', ['--password-file', password, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toContain(`(${out}/docker.io/hosts.toml)`);
  });

  it('a wrong password fails right after writing', () => {
    const r = configure('containerd', ['--password-file', wrong]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}GET \/v2\/: .* refused as alice \(401/));
  });
});

describe('a seed with an openssl-made certificate (--tls-cert)', () => {
  let clockSeed!: RunningSeed;
  let clockCa = '';
  let namedSeed!: RunningSeed;
  let namedCa = '';
  beforeAll(async () => {
    // openssl certificates start now (no backdating), as many operators' own certificates do.
    const certs = await makeCerts(mkdtempSync(join(dir, 'clock-')), ['IP:127.0.0.1']);
    clockCa = certs.ca;
    clockSeed = await startSeed(['--tls-cert', certs.cert, '--tls-key', certs.key]);
    seeds.push(clockSeed);
    const named = await makeCerts(mkdtempSync(join(dir, 'named-')), ['DNS:seed.example']);
    namedCa = named.ca;
    namedSeed = await startSeed(['--tls-cert', named.cert, '--tls-key', named.key]);
    seeds.push(namedSeed);
  }, 60_000);

  it('a certificate that does not name the address the node uses', () => {
    const r = run(['check', '--registry', `127.0.0.1:${namedSeed.port}`, '--ca', namedCa]);
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ok {4}tls chain/));
    expect(r.lines).toContainEqual('FAIL  tls name: the certificate does not name 127.0.0.1: it names DNS:seed.example; fix: reach the seed by a name it has, or start it with --advertise 127.0.0.1 (a --tls-self-signed certificate is re-issued with the new name)');
  });

  it("a node clock a day behind (faketime): says the node's clock and the certificate's start", () => {
    const now = run(['check', '--registry', `127.0.0.1:${clockSeed.port}`, '--ca', clockCa]);
    expect(now.code, now.stdout).toBe(0);
    const r = run(['check', '--registry', `127.0.0.1:${clockSeed.port}`, '--ca', clockCa], '-1d');
    expect(r.code).toBe(1);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ok {4}tls chain/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^FAIL {2}tls clock: the node's clock is \S+Z, the certificate is valid from \S+Z \(not yet valid: the node is 2\d h behind.*; fix: set this node's clock/));
  });
});
