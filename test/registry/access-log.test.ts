// The access log: a 401 names the client and the user tried (never the password) and is
// rate-limited per address; a transfer cut by shutdown says so, with one line counting them.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ImageModel, Repository } from '../../src/model.js';
import { authStage, loadHtpasswd } from '../../src/registry/auth.js';
import { LogLimiter } from '../../src/registry/log-limit.js';
import { createLogger, formatAccess, type LogEvent, type Logger } from '../../src/registry/log.js';
import { packTar, tempDir } from '../helpers/pack.js';
import { sha256 } from './model.js';
import { serve, type Running } from './serve.js';

const BIG = randomBytes(32 * 1024 * 1024);
const BIG_DIGEST = sha256(BIG);
let dir: string;

async function buildModel(): Promise<ImageModel> {
  const path = join(dir, 'big.tar');
  await packTar(path, [{ name: 'big', data: BIG }]);
  const blobs = new Map([[BIG_DIGEST, { digest: BIG_DIGEST, size: BIG.length, source: { kind: 'tar' as const, path, offset: 512, size: BIG.length } }]]);
  const repositories = new Map<string, Repository[]>([['app', [{ name: 'app', registry: 'docker.io', tags: new Map() }]]]);
  return { manifests: new Map(), blobs, repositories, images: [], warnings: [] };
}

beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('401 lines', () => {
  let running: Running;
  beforeAll(async () => {
    const htpasswd = join(dir, 'htpasswd');
    execFileSync('htpasswd', ['-Bbc', '-C', '4', htpasswd, 'alice', 's3cret'], { stdio: 'ignore' });
    running = await serve(await buildModel(), { stages: [authStage(loadHtpasswd(htpasswd))] });
  });
  afterAll(() => running.stop());

  it('name the client and the user tried, never the password; more from the same address are counted, not written', async () => {
    for (const password of ['wrong-1', 'wrong-2', 'wrong-3']) {
      const res = await running.pool.request({ method: 'GET', path: '/v2/', headers: { authorization: basic('alice', password) } });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
    await vi.waitFor(() => expect(running.access.filter((e) => e.status === 401)).toHaveLength(1));
    const [entry] = running.access.filter((e) => e.status === 401);
    expect(entry).toMatchObject({ method: 'GET', path: '/v2/', client: '127.0.0.1', user: 'alice' });
    expect(formatAccess(entry!)).toMatch(/^GET \/v2\/ 401 \d+ \d+ms from 127\.0\.0\.1 user "alice"$/);
    expect(JSON.stringify(running.access)).not.toContain('wrong-');
  });
});

describe('LogLimiter', () => {
  it('writes the first line, counts the rest, and ends the window with one summary', () => {
    vi.useFakeTimers();
    try {
      const events: LogEvent[] = [];
      const logger: Logger = { logsAccess: true, access() {}, event: (e) => events.push(e), info() {}, warn() {}, error() {} };
      const limiter = new LogLimiter(logger, 60_000);
      const summary = (more: number, details: readonly string[], client: string, seconds: number) => ({ event: 'x', message: `${more} more from ${client} in ${seconds} s: ${details.join(' ')}` });
      const admitted = ['u1', 'u2', 'u1', 'u3'].map((u) => limiter.admit('401', '10.0.0.7', u, summary));
      expect(admitted).toEqual([true, false, false, false]);
      expect(limiter.admit('401', '10.0.0.8', 'u1', summary)).toBe(true);
      expect(events).toEqual([]);
      vi.advanceTimersByTime(60_000);
      expect(events.map((e) => e.message)).toEqual(['3 more from 10.0.0.7 in 60 s: u2 u1 u3']);
      // A steady flood: the next window is counted from its first line on, one summary each.
      expect(limiter.admit('401', '10.0.0.7', 'u9', summary)).toBe(false);
      vi.advanceTimersByTime(60_000);
      expect(events.map((e) => e.message)).toEqual(['3 more from 10.0.0.7 in 60 s: u2 u1 u3', '1 more from 10.0.0.7 in 60 s: u9']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('json and text formats carry the same event', () => {
    const lines: string[] = [];
    const event = { event: 'tls-handshake-failed', message: 'tls: handshake failed', fields: { client: '10.0.0.7' } };
    createLogger({ format: 'text', out: (l) => lines.push(l) }).event(event);
    createLogger({ format: 'json', out: (l) => lines.push(l), quiet: true }).event(event);
    expect(lines[0]).toBe('tls: handshake failed');
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'warn', event: 'tls-handshake-failed', client: '10.0.0.7', message: 'tls: handshake failed' });
  });
});

describe('shutdown', () => {
  it('marks a transfer still running after the grace as cut by shutdown, and counts the cut transfers in one line', async () => {
    const own = await serve(await buildModel());
    const { port } = new URL(own.base);
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET /v2/app/blobs/${BIG_DIGEST} HTTP/1.1\r\nHost: x\r\n\r\n`));
    socket.on('error', () => {});
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // A client that stops reading: the transfer cannot finish within the grace.
    socket.once('data', () => socket.pause());
    await vi.waitFor(() => expect(socket.isPaused()).toBe(true));
    await own.pool.close();
    await own.registry.close(200);
    socket.destroy();
    await ended;
    const entry = own.access.find((e) => e.path === `/v2/app/blobs/${BIG_DIGEST}`);
    expect(entry).toMatchObject({ status: 200, aborted: true, cut: true, client: '127.0.0.1' });
    expect(formatAccess(entry!)).toMatch(/ aborted \(cut by shutdown\) from 127\.0\.0\.1$/);
    expect(own.events.map((e) => e.message)).toEqual(['shutdown: cutting 1 transfer still running after 0.2 s (clients retry: docker resumes a blob, containerd starts it again)']);
  });
});
