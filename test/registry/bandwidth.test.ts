// The bandwidth caps as a stage around route(), against a real server: blob bytes are paced,
// manifests are not, each client address gets its own bucket, and /metrics shows the waiting.
import { createHash } from 'node:crypto';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Throttle, throttleMetrics } from '../../src/registry/bandwidth.js';
import { metricsStage } from '../../src/registry/metrics.js';
import { buildTestImage, sha256 } from './model.js';
import { serve, type Running } from './serve.js';

const t = await buildTestImage();
const LAYER = `/v2/library/registry/blobs/${sha256(t.layer)}`;
const CHUNK = 16 * 1024;
let running: Running | undefined;
const open: ClientRequest[] = [];

afterEach(async () => {
  for (const r of open.splice(0)) r.destroy();
  await running?.stop();
  running = undefined;
});

async function start(throttle: Throttle, metrics = false): Promise<Running> {
  const stages = [...(metrics ? [metricsStage(() => ({ images: 0, reloads: { ok: 0, failed: 0 } }), throttleMetrics(throttle))] : []), throttle.stage()];
  running = await serve(t.model, { readChunk: CHUNK, stages });
  return running;
}

/** A GET from `localAddress`; resolves at the response headers with the first body bytes read. */
function get(base: string, path: string, localAddress = '127.0.0.1'): Promise<{ res: IncomingMessage; body: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<Buffer>((done, fail) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks)));
        res.on('error', fail);
      });
      body.catch(() => {});
      res.once('data', () => resolve({ res, body }));
    });
    open.push(req);
    req.on('error', reject);
    req.end();
  });
}

describe('bandwidth caps', () => {
  it('a manifest answers while a blob is held back by the seed cap', async () => {
    // 300 KB at 20 KiB/s: about 15 s, so the blob is still under way whatever the machine's load.
    const throttle = new Throttle({ seed: 20 * 1024 }, undefined, CHUNK);
    const s = await start(throttle);
    const blob = await get(s.base, LAYER);
    let blobEnded = false;
    blob.body.then(() => (blobEnded = true), () => {});
    const manifest = await s.pool.request({ path: `/v2/library/registry/manifests/${t.amd64.digest}`, method: 'GET' });
    const bytes = Buffer.from(await manifest.body.arrayBuffer());
    expect(manifest.statusCode).toBe(200);
    expect(sha256(bytes)).toBe(t.amd64.digest);
    expect(blobEnded).toBe(false);
    expect(throttle.stats.seedSeconds).toBeGreaterThan(0);
  });

  it('paces a blob to the cap with every byte intact, and /metrics shows the waiting', async () => {
    const rate = 400 * 1024;
    const throttle = new Throttle({ seed: rate }, undefined, CHUNK);
    const s = await start(throttle, true);
    const started = performance.now();
    const { res, body } = await get(s.base, LAYER);
    expect(res.statusCode).toBe(200);
    const bytes = await body;
    const seconds = (performance.now() - started) / 1000;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256(t.layer).slice(7));
    // A lower bound the bucket guarantees (bytes by time t ≤ burst + rate·t); a slow machine only adds.
    expect(seconds).toBeGreaterThanOrEqual((t.layer.length - CHUNK) / rate);
    const metrics = await (await s.pool.request({ path: '/metrics', method: 'GET' })).body.text();
    const waited = /^seed_registry_throttled_seconds_total\{cap="seed"\} (\S+)$/m.exec(metrics);
    expect(Number(waited?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(new RegExp(`^seed_registry_bandwidth_limit_bytes\\{cap="seed"\\} ${rate}$`, 'm'));
  });

  it('gives each client address its own bucket, shared by that address\'s transfers', async () => {
    const throttle = new Throttle({ client: 64 * 1024 }, undefined, CHUNK);
    const s = await start(throttle);
    await get(s.base, LAYER, '127.0.0.1');
    await get(s.base, LAYER, '127.0.0.1');
    expect(throttle.clientCount).toBe(1);
    await get(s.base, LAYER, '127.0.0.2');
    expect(throttle.clientCount).toBe(2);
    expect(throttle.stats.clientSeconds).toBeGreaterThan(0);
    expect(throttle.stats.seedSeconds).toBe(0);
  });

  it('forgets a client\'s bucket once its transfers are gone and the bucket has refilled, also when the client cut them', async () => {
    const throttle = new Throttle({ client: 64 * 1024 }, undefined, CHUNK);
    const s = await start(throttle);
    const { res } = await get(s.base, LAYER);
    expect(throttle.clientCount).toBe(1);
    res.destroy();
    for (const r of open.splice(0)) r.destroy();
    await expect.poll(() => throttle.clientCount, { timeout: 20_000 }).toBe(0);
  });

  it('leaves HEAD, manifests and tag lists out of the buckets', async () => {
    const throttle = new Throttle({ client: 1024 }, undefined, CHUNK);
    const s = await start(throttle);
    for (const [method, path] of [['HEAD', LAYER], ['GET', `/v2/library/registry/manifests/2`], ['GET', '/v2/library/registry/tags/list']] as const) {
      const r = await s.pool.request({ method, path });
      await r.body.dump();
      expect(r.statusCode).toBe(200);
    }
    expect(throttle.clientCount).toBe(0);
    expect(throttle.stats.clientSeconds).toBe(0);
  });
});
