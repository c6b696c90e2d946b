// Failed TLS handshakes and plain HTTP on the TLS port: one line each naming the client address and
// the reason in words, rate-limited per address; plain HTTP is answered 400 saying to use https.
// The clients are OpenSSL's own (curl, openssl s_client): they send the alerts a node would.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { LogEvent, Logger } from '../../src/registry/log.js';
import { createRegistry, type Registry } from '../../src/registry/server.js';
import { handshakeReason, looksLikePlainHttp } from '../../src/registry/tls-errors.js';
import { wantedSans } from '../../src/tls/sans.js';
import { ensureSelfSigned } from '../../src/tls/self-signed.js';
import { tempDir } from '../helpers/pack.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
let dir: string;
let pair: { cert: string; key: string };
let caFile: string;
const seeds: Registry[] = [];

beforeAll(async () => {
  dir = await tempDir();
  const made = await ensureSelfSigned(join(dir, 'tls'), wantedSans([]));
  caFile = made.ca.path;
  pair = made.pair;
});
afterAll(async () => {
  for (const registry of seeds) await registry.close(1_000);
  await rm(dir, { recursive: true, force: true });
});

/** A TLS seed of its own per test: the rate limit is per address, and every client here is 127.0.0.1. */
async function tlsSeed(): Promise<{ port: number; events: LogEvent[]; lines: (pattern: RegExp) => LogEvent[] }> {
  const events: LogEvent[] = [];
  const logger: Logger = { logsAccess: false, access() {}, event: (e) => events.push(e), info() {}, warn() {}, error() {} };
  const registry = await createRegistry(await loadImages([FIXTURE]), { tls: pair, logger });
  seeds.push(registry);
  const { port } = await registry.listen(0, '127.0.0.1');
  return { port, events, lines: (pattern) => events.filter((e) => pattern.test(e.message)) };
}

/** Runs a client to its end; its failure is expected, its output is not needed. */
function client(command: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 10_000 }, () => resolve());
    child.stdin?.end();
  });
}


describe('TLS handshake failures', () => {
  it('curl without the CA: one line naming the client and "unknown CA"; a second failure is only counted', async () => {
    const { port, events, lines } = await tlsSeed();
    await client('curl', ['-sS', '--max-time', '5', `https://localhost:${port}/v2/`]);
    await vi.waitFor(() => expect(lines(/unknown CA/)).toHaveLength(1));
    expect(events[0]).toMatchObject({ event: 'tls-handshake-failed', fields: { client: '127.0.0.1', reason: 'unknown CA' } });
    expect(events[0]!.message).toMatch(/^tls: handshake from 127\.0\.0\.1 failed: unknown CA: the client does not trust the CA that signed the seed's certificate: copy the seed's CA to the node/);
    await client('curl', ['-sS', '--max-time', '5', `https://localhost:${port}/v2/`]);
    // With the CA, the same client pulls: the first-bytes check hands TLS its bytes intact.
    await client('curl', ['-sS', '--max-time', '5', '--cacert', caFile, '-o', join(dir, 'ok'), `https://localhost:${port}/v2/`]);
    expect(readFileSync(join(dir, 'ok'), 'utf8')).toBe('{}');
    expect(lines(/unknown CA/)).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('openssl s_client with TLS 1.1 only: "no shared protocol"', async () => {
    const { port, events } = await tlsSeed();
    await client('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1']);
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]!.message).toMatch(/^tls: handshake from 127\.0\.0\.1 failed: no shared protocol: /);
  });

  it('openssl s_client offering only RSA ciphers to an ECDSA certificate: "no shared cipher"', async () => {
    const { port, events } = await tlsSeed();
    await client('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]!.message).toMatch(/^tls: handshake from 127\.0\.0\.1 failed: no shared cipher: /);
  });
});

describe('plain HTTP on the TLS port', () => {
  it('is answered 400 saying to use https, and logged with the client and the request line', async () => {
    const { port, lines } = await tlsSeed();
    const res = await request(`http://127.0.0.1:${port}/v2/`);
    expect(res.statusCode).toBe(400);
    expect(await res.body.text()).toBe(`Client sent an HTTP request to an HTTPS server: this port speaks HTTPS only (https://127.0.0.1:${port}/).\n`);
    await vi.waitFor(() => expect(lines(/plain HTTP/)).toHaveLength(1));
    expect(lines(/plain HTTP/)[0]!.message).toBe('tls: plain HTTP from 127.0.0.1 on the TLS port ("GET /v2/ HTTP/1.1"), answered 400: configure the client with https:// (and the seed\'s CA), not http://');
  });
});

describe('a client that connects and says nothing', () => {
  it('is cut after the header timeout, before TLS sees it', async () => {
    const registry = await createRegistry(await loadImages([FIXTURE]), { tls: pair, timeouts: { headersMs: 200 } });
    seeds.push(registry);
    const { port } = await registry.listen(0, '127.0.0.1');
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(socket.bytesRead).toBe(0);
  });
});

describe('handshakeReason and looksLikePlainHttp', () => {
  it('words for node\'s OpenSSL codes, and the reason text for the rest', () => {
    expect(handshakeReason(Object.assign(new Error('x'), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' })).reason).toBe('bad certificate');
    expect(handshakeReason(Object.assign(new Error('x'), { code: 'ERR_SSL_SOMETHING_NEW', reason: 'something new' }))).toEqual({ reason: 'something new', fix: 'the TLS handshake failed' });
  });

  it('tells a request line from a TLS record', () => {
    expect(looksLikePlainHttp(Buffer.from('GET /v2/ HTTP/1.1\r\n'))).toBe(true);
    expect(looksLikePlainHttp(Buffer.from('HEAD /v2/'))).toBe(true);
    expect(looksLikePlainHttp(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe(false);
    expect(looksLikePlainHttp(Buffer.from('\x80\x2e\x01'))).toBe(false);
  });
});
