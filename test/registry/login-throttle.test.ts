// Failed logins cost a bcrypt check each: an address that fails too often gets 429 with Retry-After
// and a TOOMANYREQUESTS body, unchecked; verified credentials and other addresses pass; the burst
// is logged once. The pure throttle with a hand-moved clock, then a real server on port 0.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { authStage, loadHtpasswd } from '../../src/registry/auth.js';
import type { LogEvent, Logger } from '../../src/registry/log.js';
import { LoginThrottle, MAX_FAILURES, throttleKey } from '../../src/registry/login-throttle.js';
import { serve, type Running } from './serve.js';

describe('LoginThrottle', () => {
  it('allows 5 failures a minute, then says how long to wait, and forgets them after the window', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(5, 60_000, () => now);
    const bursts = [];
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfter('10.0.0.7')).toBe(0);
      throttle.begin('10.0.0.7');
      bursts.push(throttle.end('10.0.0.7', false, `u${i}`));
      now += 1_000;
    }
    // Only the failure that fills the limit starts a burst: one log line per burst.
    expect(bursts.filter(Boolean)).toEqual([{ failures: 5, users: ['u0', 'u1', 'u2', 'u3', 'u4'], retryAfterSeconds: 56 }]);
    expect(throttle.retryAfter('10.0.0.7')).toBe(55);
    expect(throttle.retryAfter('10.0.0.8')).toBe(0);
    now += 55_000;
    expect(throttle.retryAfter('10.0.0.7')).toBe(0);
  });

  it('counts checks still running, so parallel guesses cannot pass the limit', () => {
    const throttle = new LoginThrottle(5, 60_000, () => 0);
    for (let i = 0; i < 5; i++) throttle.begin('a');
    expect(throttle.retryAfter('a')).toBe(1);
  });

  it('a success is not a failure', () => {
    const throttle = new LoginThrottle(2, 60_000, () => 0);
    for (let i = 0; i < 5; i++) {
      throttle.begin('a');
      expect(throttle.end('a', true, 'alice')).toBeUndefined();
    }
    expect(throttle.retryAfter('a')).toBe(0);
  });

  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(throttleKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(throttleKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8:1:2:bbbb:cc::9')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
  });
});

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sr-throttle-'));
const htpasswd = join(dir, 'htpasswd');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const events: LogEvent[] = [];
const logger: Logger = { logsAccess: false, access() {}, event: (e) => events.push(e), info() {}, warn() {}, error() {} };
let running: Running;
let other: Pool;

beforeAll(async () => {
  const tar = join(dir, 'seed.tar');
  copyFileSync(FIXTURE, tar);
  execFileSync('htpasswd', ['-Bbc', '-C', '5', htpasswd, 'alice', 's3cret'], { stdio: 'ignore' });
  running = await serve(await loadImages([tar]), { stages: [authStage(loadHtpasswd(htpasswd), { logger })] });
  // A second client address: all of 127.0.0.0/8 is loopback on Linux.
  other = new Pool(running.base, { localAddress: '127.0.0.2' });
});
afterAll(async () => {
  await other.close();
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(authorization: string, pool: Pool = running.pool) {
  const res = await pool.request({ method: 'GET', path: '/v2/', headers: { authorization } });
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: await res.body.text() };
}

describe('failed logins against a real server', () => {
  it('429 after 5 wrong passwords a minute, without bcrypt; verified credentials and other addresses pass', async () => {
    const good = basic('alice', 's3cret');
    expect((await get(good)).status).toBe(200);
    // The same wrong header again and again (a node with a stale password) is refused from memory.
    for (let i = 0; i < 10; i++) expect((await get(basic('alice', 'stale'))).status).toBe(401);
    expect(events).toEqual([]);
    const compare = vi.spyOn(bcrypt, 'compare');
    for (let i = 0; i < MAX_FAILURES - 1; i++) expect((await get(basic('alice', `guess${i}`))).status).toBe(401);
    expect(compare).toHaveBeenCalledTimes(MAX_FAILURES - 1);
    const refused = await get(basic('mallory', 'guess'));
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(refused.body).errors[0].code).toBe('TOOMANYREQUESTS');
    expect(compare).toHaveBeenCalledTimes(MAX_FAILURES - 1);
    // Still throttled, logged once for the burst, naming the address and the users, not a password.
    expect((await get(basic('alice', 'another'))).status).toBe(429);
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/^login: 5 failed logins from 127\.0\.0\.1 within 60 s \(users tried: "alice"\): answering 429 to its new passwords for \d+ s, without checking them$/);
    expect(JSON.stringify(events)).not.toMatch(/guess|stale|s3cret/);
    // Credentials verified before the burst still pull; another address logs in and is refused as usual.
    expect((await get(good)).status).toBe(200);
    expect((await get(good, other)).status).toBe(200);
    expect((await get(basic('alice', 'nope'), other)).status).toBe(401);
    compare.mockRestore();
  });
});
