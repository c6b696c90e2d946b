// What the seed's log says when real clients fail: skopeo (Go's TLS, as docker, containerd and
// podman) and curl (OpenSSL) without the CA, curl with plain HTTP to the TLS port, skopeo with a
// wrong password, then guessing passwords until the seed answers 429. Each leaves its line in the
// seed's log naming the client address; no password ever appears there.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { run, runOk } from './helpers/run.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const LISTENING = /listening on https:\/\/127\.0\.0\.1:(\d+)/;
const PASSWORD = 'right-pw-1';

let dir: string;
let seed: Daemon;
let registry: string;
let image: string;
let certDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sr-log-'));
  const htpasswd = join(dir, 'htpasswd');
  await runOk('htpasswd', ['-Bbc', htpasswd, 'alice', PASSWORD]);
  const tls = join(dir, 'tls');
  seed = startDaemon(process.execPath, [BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--tls-self-signed', tls, '--htpasswd', htpasswd], join(dir, 'seed.log'));
  await waitUntil('seed-registry', async () => LISTENING.test(seed.log()), 60_000, seed);
  registry = `127.0.0.1:${LISTENING.exec(seed.log())![1]}`;
  image = /docker pull \S+?\/(\S+)/.exec(seed.log())![1]!;
  certDir = join(dir, 'certs');
  mkdirSync(certDir);
  copyFileSync(join(tls, 'ca.crt'), join(certDir, 'ca.crt'));
});
afterAll(async () => {
  await seed?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The seed's log lines after `mark` characters of it that match. */
const linesSince = (mark: number, pattern: RegExp) => seed.log().slice(mark).split('\n').filter((l) => pattern.test(l));

async function logged(mark: number, pattern: RegExp): Promise<string[]> {
  await waitUntil(`a log line matching ${pattern}`, async () => linesSince(mark, pattern).length > 0, 10_000, seed);
  return linesSince(mark, pattern);
}

describe('the seed logs what goes wrong', () => {
  it('skopeo without the CA: the handshake failure, with the client address and "bad certificate" (Go sends it for an unknown CA)', async () => {
    const mark = seed.log().length;
    const empty = join(dir, 'empty-certs');
    mkdirSync(empty, { recursive: true });
    const res = await run('skopeo', ['inspect', '--cert-dir', empty, '--creds', `alice:${PASSWORD}`, `docker://${registry}/${image}`]);
    expect(res.stderr).toMatch(/x509|certificate/);
    const [line] = await logged(mark, /^tls: handshake from /);
    expect(line).toMatch(/^tls: handshake from 127\.0\.0\.1 failed: bad certificate: the client refused the seed's certificate: it does not trust the CA \(copy ca\.crt/);
  });

  it('curl without the CA: "unknown CA" (limited per reason, so the line above does not hide it)', async () => {
    const mark = seed.log().length;
    await run('curl', ['-sS', '--max-time', '10', `https://${registry}/v2/`]);
    const [line] = await logged(mark, /^tls: /);
    expect(line).toMatch(/^tls: handshake from 127\.0\.0\.1 failed: unknown CA: the client does not trust the CA that signed the seed's certificate/);
  });

  it('curl with plain HTTP to the TLS port: answered 400 saying https, and logged', async () => {
    const mark = seed.log().length;
    const res = await run('curl', ['-sS', '--max-time', '10', `http://${registry}/v2/`]);
    expect(res.stdout).toBe(`Client sent an HTTP request to an HTTPS server: this port speaks HTTPS only (https://${registry}/).\n`);
    const [line] = await logged(mark, /plain HTTP/);
    expect(line).toBe('tls: plain HTTP from 127.0.0.1 on the TLS port ("GET /v2/ HTTP/1.1"), answered 400: configure the client with https:// (and the seed\'s CA), not http://');
  });

  it('skopeo with a wrong password: the 401 line names the client and the user, not the password', async () => {
    const mark = seed.log().length;
    const res = await run('skopeo', ['inspect', '--cert-dir', certDir, '--creds', 'alice:wrong-pw-0', `docker://${registry}/${image}`]);
    expect(res.stderr).toMatch(/unauthorized|401/i);
    // Waits for the line with the user: the challenge's line (no credentials) comes first, and the
    // seed writes a line once the response has closed, which can be after skopeo has exited.
    const lines = await logged(mark, / 401 .* user "alice"$/);
    expect(lines.some((l) => / 401 \d+ \d+ms from 127\.0\.0\.1 user "alice"$/.test(l)), seed.log().slice(mark)).toBe(true);
    // The right password still works.
    await runOk('skopeo', ['inspect', '--cert-dir', certDir, '--creds', `alice:${PASSWORD}`, `docker://${registry}/${image}`]);
  });

  it('guessing passwords: 429 toomanyrequests with Retry-After after 5 failures, logged once for the burst', async () => {
    // curl, not skopeo: containers/image honours Retry-After and would wait out the minute.
    const mark = seed.log().length;
    const statuses: string[] = [];
    let last = '';
    for (let i = 1; i <= 7; i++) {
      const res = await run('curl', ['-sS', '--max-time', '10', '--cacert', join(certDir, 'ca.crt'), '-u', `alice:wrong-pw-${i}`, '-D', '-', `https://${registry}/v2/`]);
      statuses.push(/^HTTP\/\S+ (\d+)/.exec(res.stdout)?.[1] ?? res.stderr);
      last = res.stdout;
    }
    // wrong-pw-0 of the test above, when it ran, is the first of the five failures.
    const first = statuses.indexOf('429');
    expect(first === 4 || first === 5, statuses.join(' ')).toBe(true);
    expect(statuses.slice(0, first).every((s) => s === '401') && statuses.slice(first).every((s) => s === '429'), statuses.join(' ')).toBe(true);
    expect(last).toMatch(/^retry-after: \d+\r?$/im);
    expect(last).toContain('"code":"TOOMANYREQUESTS"');
    const bursts = await logged(mark, /^login: /);
    expect(bursts, seed.log()).toHaveLength(1);
    expect(bursts[0]).toMatch(/^login: 5 failed logins from 127\.0\.0\.1 within 60 s \(users tried: "alice"\): answering 429/);
    // A client respecting nothing still gets one 429 line a minute: the first, the rest counted.
    expect(linesSince(mark, /^GET \S+ 429 /), seed.log()).toHaveLength(1);
    expect(seed.log()).not.toMatch(/wrong-pw|right-pw/);
  });
});
