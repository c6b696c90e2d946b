// The stages around route(): read auth, /livez and /readyz, /metrics, against a real server.
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { identityOf } from '../../src/source/identity.js';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { authStage, createVerifier, loadHtpasswd, parseBasic } from '../../src/registry/auth.js';
import { healthStage } from '../../src/registry/health.js';
import { HttpStats } from '../../src/registry/http-stats.js';
import { handlerOf, metricsStage } from '../../src/registry/metrics.js';
import { Registry } from 'prom-client';
import { LoadError } from '../../src/load-error.js';
import { pull } from './oracle.js';
import { serve, type Running } from './serve.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sr-stages-'));
const tar = join(dir, 'seed.tar');
const htpasswd = join(dir, 'htpasswd');
let running: Running;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  copyFileSync(FIXTURE, tar);
  // The file is made by Apache's htpasswd, not by the code under test.
  execFileSync('htpasswd', ['-Bbc', '-C', '5', htpasswd, 'alice', 's3cret'], { stdio: 'ignore' });
  const model = await loadImages([tar]);
  const seed = () => ({ images: model.images.length, reloads: { ok: 0, failed: 0 } });
  // The health stage reads the registry it is part of: bound once the registry exists.
  let changed = (): string[] => [];
  const stages = [metricsStage(seed), healthStage(() => changed()), authStage(loadHtpasswd(htpasswd))];
  running = await serve(model, { stages, pinned: new Map([[tar, identityOf(statSync(tar))]]) });
  changed = () => running.registry.changedFiles();
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function request(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await running.pool.request({ method, path, headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('read auth', () => {
  it.each([
    ['GET', '/v2/', {}],
    ['GET', '/v2/library/busybox/manifests/seed', { authorization: basic('alice', 'wrong') }],
    ['GET', '/v2/_catalog', { authorization: basic('mallory', 's3cret') }],
    ['GET', '/v2/_catalog', { authorization: 'Bearer abc' }],
    ['GET', 'http://elsewhere/v2/_catalog', {}],
  ])('%s %s %j → 401 with a challenge and an OCI body', async (method, path, headers) => {
    const res = await request(method, path, headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="seed-registry"');
    expect(JSON.parse(res.body).errors[0].code).toBe('UNAUTHORIZED');
  });

  it('sends no body on HEAD', async () => {
    const res = await request('HEAD', '/v2/library/busybox/manifests/seed');
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
  });

  it('lets a whole pull through with the right password', async () => {
    const auth = { authorization: basic('alice', 's3cret') };
    const pool = running.pool;
    const authed = { request: (o: Parameters<typeof pool.request>[0]) => pool.request({ ...o, headers: { ...(o.headers as object), ...auth } }) } as typeof pool;
    const result = await pull(authed, 'library/busybox', 'seed');
    expect(result.blobs.length).toBeGreaterThan(0);
  });

  it('remembers a verified header: the second check does not run bcrypt', async () => {
    const verify = createVerifier(loadHtpasswd(htpasswd));
    const header = basic('alice', 's3cret');
    const first = verify(header);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(true);
    expect(verify(header)).toBe(true);
    expect(await verify(basic('alice', 'nope'))).toBe(false);
  });

  it('parses Basic credentials, password with colons included', () => {
    expect(parseBasic(basic('u', 'a:b'))).toEqual({ user: 'u', password: 'a:b' });
    expect(parseBasic('Basic !!!')).toBeUndefined();
  });

  it.each([
    ['bob:$apr1$abc$defghijklmnopqrstuvwx/\n', 'line 1: user bob: not a bcrypt hash'],
    ['# comment\ncarol:{SHA}abcdefghijklmnopqrstuvwxyz0=\n', 'line 2: user carol: not a bcrypt hash'],
    ['dave:plaintext\n', 'line 1: user dave: not a bcrypt hash'],
    ['no-colon\n', 'line 1: not user:hash'],
    ['\n', 'no user:hash lines'],
  ])('refuses %j at start', (text, message) => {
    const file = join(dir, 'bad');
    writeFileSync(file, text);
    expect(() => loadHtpasswd(file)).toThrow(LoadError);
    expect(() => loadHtpasswd(file)).toThrow(`${file}: ${message}`);
  });
});

describe('health', () => {
  it('answers /livez and /readyz without credentials', async () => {
    for (const path of ['/livez', '/readyz']) expect(await request('GET', path)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await request('HEAD', '/readyz')).body).toBe('');
  });
});

describe('metrics', () => {
  it('counts requests by handler, method and code, and blob bytes', async () => {
    await request('GET', '/v2/library/busybox/manifests/seed');
    const res = await request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toMatch(/^http_requests_total\{handler="manifests",method="GET",code="401"\} [1-9]/m);
    expect(res.body).toMatch(/^http_requests_total\{handler="manifests",method="GET",code="200"\} [1-9]/m);
    expect(res.body).toMatch(/^http_request_duration_seconds_bucket\{handler="blobs",method="GET",code="200",le="\+Inf"\} [1-9]/m);
    expect(res.body).toMatch(/^http_response_size_bytes_sum\{handler="blobs",method="GET",code="200"\} [1-9]/m);
    expect(res.body).toMatch(/^http_requests_inflight\{handler="metrics"\} 1$/m);
    expect(res.body).toMatch(/^seed_registry_images 1$/m);
    expect(res.body).toMatch(/^seed_registry_blob_bytes_served_total [1-9]\d*$/m);
    expect(res.body).toMatch(/^process_cpu_seconds_total /m);
  });

  it.each([
    ['/v2/', 'base'], ['/v2/_catalog?n=1', 'catalog'], ['/v2/a/blobs/b/manifests/sha256:1', 'manifests'],
    ['/v2/a/manifests/x/blobs/sha256:1', 'blobs'], ['/v2/a/tags/list', 'tags'], ['/v2/a/b/c', 'other'], ['/v2/tags/x/y', 'other'], ['/v2/a/referrers/sha256:1?artifactType=x', 'referrers'],
    ['/metrics', 'metrics'], ['/livez', 'livez'], ['/', 'other'], ['/v2/x/y', 'other'],
  ])('handlerOf(%s) = %s', (path, handler) => expect(handlerOf(path)).toBe(handler));
});

describe('HttpStats', () => {
  it('writes cumulative buckets, +Inf equal to _count, sums, and in-flight gauges', async () => {
    const register = new Registry();
    const stats = new HttpStats();
    stats.register(register, () => ({ images: 2, reloads: { ok: 3, failed: 1 } }));
    for (const [seconds, bytes] of [[0.001, 50], [0.2, 5000], [30, 2e9]] as const) {
      const h = stats.of('blobs');
      h.inflight++;
      stats.finished(h, 'GET', 200, seconds, bytes);
    }
    stats.of('manifests').inflight++;
    const text = await register.metrics();
    const labels = 'handler="blobs",method="GET",code="200"';
    expect(text).toContain(`http_requests_total{${labels}} 3`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="0.005"} 1`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="0.25"} 2`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="10"} 2`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="+Inf"} 3`);
    expect(text).toContain(`http_request_duration_seconds_sum{${labels}} 30.201`);
    expect(text).toContain(`http_request_duration_seconds_count{${labels}} 3`);
    expect(text).toContain(`http_response_size_bytes_bucket{${labels},le="100"} 1`);
    expect(text).toContain(`http_response_size_bytes_bucket{${labels},le="1000000000"} 2`);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('http_requests_inflight{handler="blobs"} 0');
    expect(text).toContain('http_requests_inflight{handler="manifests"} 1');
    expect(text).toContain('seed_registry_images 2');
    expect(text).toContain('seed_registry_reloads_total{result="ok"} 3');
    expect(text).toContain('seed_registry_reloads_total{result="failed"} 1');
  });
});

describe('readiness after the tar changes in place', () => {
  it('turns /readyz to 503 naming the file', async () => {
    appendFileSync(tar, Buffer.alloc(512));
    const res = await request('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toContain(`${tar}: grew from`);
    expect((await request('GET', '/livez')).status).toBe(200);
  });
});
