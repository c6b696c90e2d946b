// Failure paths: unexpected errors become logged 500s, clients that leave stop the read, a tar
// shorter than its index cuts the response, and file descriptors stay one per tar.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageModel, Repository } from '../../src/model.js';
import { packTar, tempDir } from '../helpers/pack.js';
import { sha256 } from './model.js';
import { serve, type Running } from './serve.js';

const BIG = randomBytes(32 * 1024 * 1024);
const SMALL = randomBytes(10_000);
const BIG_DIGEST = sha256(BIG);
const SHORT_DIGEST = sha256(Buffer.from('the index promised more bytes than the tar holds'));
const BROKEN_REPO = { name: 'broken', registry: 'docker.io', tags: null } as unknown as Repository;

async function buildModel(): Promise<ImageModel> {
  const path = join(await tempDir(), 'robust.tar');
  await packTar(path, [
    { name: 'big', data: BIG },
    { name: 'small', data: SMALL },
  ]);
  const smallOffset = 512 + BIG.length + 512;
  const blobs = new Map([
    [BIG_DIGEST, { digest: BIG_DIGEST, size: BIG.length, source: { kind: 'tar' as const, path, offset: 512, size: BIG.length } }],
    // Points past the end of the file: the read comes up short.
    [SHORT_DIGEST, { digest: SHORT_DIGEST, size: 1_000_000, source: { kind: 'tar' as const, path, offset: smallOffset, size: 1_000_000 } }],
  ]);
  const repositories = new Map<string, Repository[]>([
    ['app', [{ name: 'app', registry: 'docker.io', tags: new Map() }]],
    ['broken', [BROKEN_REPO]],
  ]);
  return { manifests: new Map(), blobs, repositories, images: [], warnings: [] };
}

const server: Running = await serve(await buildModel());
afterAll(() => server.stop());

const openFds = () => readdirSync('/proc/self/fd').length;

async function waitFor<T>(probe: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends a raw GET, reads until `after` bytes arrived, then drops the connection. */
function readThenLeave(path: string, after: number): Promise<number> {
  const { port } = new URL(server.base);
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= after) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

describe('robustness', () => {
  it('answers an unexpected failure with a logged 500 and keeps serving', async () => {
    const res = await server.pool.request({ method: 'GET', path: '/v2/broken/tags/list' });
    const body = JSON.parse(await res.body.text());
    expect(res.statusCode).toBe(500);
    expect(body.errors[0].code).toBe('UNKNOWN');
    expect(server.errors.some((e) => e.includes('/v2/broken/tags/list'))).toBe(true);
    const next = await server.pool.request({ method: 'GET', path: '/v2/' });
    await next.body.dump();
    expect(next.statusCode).toBe(200);
  });

  it('stops the read when the client goes away', async () => {
    const path = `/v2/app/blobs/${BIG_DIGEST}`;
    const received = await readThenLeave(path, 256 * 1024);
    const entry = await waitFor(() => server.access.find((e) => e.path === path && e.aborted));
    expect(entry.status).toBe(200);
    expect(received).toBeLessThan(BIG.length);
    // What the log (and the blob-bytes metric) counts: what got out, at most what was asked for.
    expect(entry.bytes).toBeLessThan(BIG.length);
    // The shared descriptor must survive the abandoned transfer.
    const res = await server.pool.request({ method: 'GET', path, headers: { range: 'bytes=-4096' } });
    expect(Buffer.from(await res.body.arrayBuffer()).equals(BIG.subarray(BIG.length - 4096))).toBe(true);
  });

  it('cuts the connection when the tar holds fewer bytes than promised', async () => {
    const request = server.pool.request({ method: 'GET', path: `/v2/app/blobs/${SHORT_DIGEST}` }).then((r) => r.body.arrayBuffer());
    await expect(request).rejects.toThrow();
    await waitFor(() => server.errors.find((e) => e.includes(SHORT_DIGEST)));
  });

  it('serves many concurrent ranges of one blob without opening files per request', async () => {
    const step = 1024 * 1024;
    const starts = Array.from({ length: 32 }, (_, i) => i * step);
    const fetchAll = () =>
      Promise.all(
        starts.map(async (start) => {
          const res = await server.pool.request({ method: 'GET', path: `/v2/app/blobs/${BIG_DIGEST}`, headers: { range: `bytes=${start}-${start + step - 1}` } });
          const body = Buffer.from(await res.body.arrayBuffer());
          return { status: res.statusCode, range: res.headers['content-range'], body };
        }),
      );
    await fetchAll(); // warms up the pool's sockets, which live in this process too
    const before = openFds();
    const parts = await fetchAll();
    expect(parts.map((p) => p.status)).toEqual(starts.map(() => 206));
    expect(parts.map((p) => p.range)).toEqual(starts.map((s) => `bytes ${s}-${s + step - 1}/${BIG.length}`));
    expect(Buffer.concat(parts.map((p) => p.body)).equals(BIG)).toBe(true);
    expect(openFds()).toBe(before);
  });
});

describe('timeouts', () => {
  it('closes the socket of a client that connects and says nothing', async () => {
    const quick = await serve(await buildModel(), { timeouts: { headersMs: 300, idleMs: 300 } });
    try {
      const { port } = new URL(quick.base);
      const started = Date.now();
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        const timer = setTimeout(() => reject(new Error('socket still open after 5 s')), 5_000);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.on('error', () => {});
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await quick.stop();
    }
  });
});

describe('shutdown', () => {
  it('lets a transfer in flight finish before closing', async () => {
    const own = await serve(await buildModel());
    const { port } = new URL(own.base);
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET /v2/app/blobs/${BIG_DIGEST} HTTP/1.1\r\nHost: x\r\n\r\n`));
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (chunks.length === 1) {
        socket.pause(); // a slow client: the server must wait for it, not cut it
        void own.pool.close().then(() => own.registry.close(10_000));
        setTimeout(() => socket.resume(), 300);
      }
    });
    socket.on('error', () => {});
    await ended;
    const response = Buffer.concat(chunks);
    const body = response.subarray(response.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(BIG.length);
    expect(body.equals(BIG)).toBe(true);
    expect(own.registry.server.listening).toBe(false);
  });
});
