// The page and its JSON state against a real server on port 0: who pulled what, as real requests
// make it (a whole pull, a cut transfer resumed with a Range, a refused login), checked against
// the documented schema; the page behind auth; archive text never becomes markup.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import { authStage, loadHtpasswd } from '../../src/registry/auth.js';
import { createUi } from '../../src/ui/index.js';
import { escapeHtml, renderPage } from '../../src/ui/page.js';
import { ClientTracker } from '../../src/ui/clients.js';
import { buildState, type UiState } from '../../src/ui/state.js';
import { serve, type Running } from '../registry/serve.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const SCHEMA = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/ui-state.schema.json', import.meta.url)), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
const dir = mkdtempSync(join(tmpdir(), 'sr-ui-'));
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice', 's3cret');

let model: ImageModel;
let open: Running;
let guarded: Running;

/** The blobs of the fixture's one image: config and layers. */
function blobsOf(m: ImageModel): Array<{ digest: string; size: number }> {
  const manifest = JSON.parse(m.manifests.get(m.images[0]!.digest)!.bytes.toString()) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
  return [manifest.config, ...manifest.layers];
}

async function get(r: Running, path: string, headers: Record<string, string> = {}) {
  const res = await request(`${r.base}${path}`, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

async function state(r: Running, headers: Record<string, string> = {}): Promise<UiState> {
  const res = await get(r, '/ui/api/state', headers);
  expect(res.status).toBe(200);
  const value = JSON.parse(res.body.toString()) as UiState;
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  return value;
}

beforeAll(async () => {
  const tar = join(dir, 'seed.tar');
  copyFileSync(FIXTURE, tar);
  execFileSync('htpasswd', ['-Bbc', '-C', '5', join(dir, 'htpasswd'), 'alice', 's3cret'], { stdio: 'ignore' });
  model = await loadImages([tar]);
  const ui = createUi(() => model);
  open = await serve(model, { stages: [ui.tracker, ui.page] });
  ui.started({ version: 'test', host: open.base.slice('http://'.length), auth: false });
  const guardedUi = createUi(() => model);
  guarded = await serve(model, { stages: [guardedUi.tracker, authStage(loadHtpasswd(join(dir, 'htpasswd'))), guardedUi.page] });
  guardedUi.started({ version: 'test', host: guarded.base.slice('http://'.length), auth: true });
});
afterAll(async () => {
  await open.stop();
  await guarded.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('routes', () => {
  it('a browser asking for / is sent to the page; a registry client still gets the empty 200', async () => {
    const browser = await get(open, '/', { accept: 'text/html,application/xhtml+xml' });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/ui/');
    const client = await get(open, '/');
    expect(client.status).toBe(200);
    expect(client.body.length).toBe(0);
  });

  it('the page is one HTML document under 100 KB that fetches nothing from another host', async () => {
    const page = await get(open, '/ui/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body.length).toBeLessThan(100 * 1024);
    const html = page.body.toString();
    expect(html).toContain('library/busybox:seed');
    expect(html).toContain('docker.io/library/busybox:seed');
    // No src= or href= to another host: an air gap has none.
    expect(html.match(/(?:src|href)="(?!\/|#)[^"]*"/g) ?? []).toEqual([]);
  });

  it('HEAD of the page has headers and no body; /v2/ is unchanged', async () => {
    const head = await request(`${open.base}/ui/`, { method: 'HEAD' });
    await head.body.dump();
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
    const base = await get(open, '/v2/');
    expect(base.body.toString()).toBe('{}');
  });

  it('behind --htpasswd the page and its state ask for the same credentials', async () => {
    for (const path of ['/ui/', '/ui/api/state']) {
      const refused = await get(guarded, path);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Basic realm="seed-registry"');
      expect((await get(guarded, path, { authorization: ALICE })).status).toBe(200);
    }
  });
});

describe('who pulled what', () => {
  it('an address appears once it asks, and its image turns complete when every blob arrived whole', async () => {
    const before = await state(open);
    expect(before.clients.flatMap((c) => c.images)).toEqual([]);
    const image = model.images[0]!;
    await get(open, `/v2/${image.repository}/manifests/${image.tag}`);
    const asked = await state(open);
    expect(asked.clients).toHaveLength(1);
    expect(asked.clients[0]!.address).toBe('127.0.0.1');
    expect(asked.clients[0]!.images).toEqual([{ reference: 'library/busybox:seed', state: 'in progress', blobs: 2, blobsDone: 0 }]);

    const [config, layer] = blobsOf(model);
    await get(open, `/v2/${image.repository}/blobs/${config!.digest}`);
    // A layer cut half-way (the first half by Range), then resumed from there: whole only after both.
    const half = Math.floor(layer!.size / 2);
    await get(open, `/v2/${image.repository}/blobs/${layer!.digest}`, { range: `bytes=0-${half - 1}` });
    expect((await state(open)).clients[0]!.images[0]).toMatchObject({ state: 'in progress', blobsDone: 1 });
    await get(open, `/v2/${image.repository}/blobs/${layer!.digest}`, { range: `bytes=${half}-` });
    const done = await state(open);
    expect(done.clients[0]!.images[0]).toMatchObject({ state: 'complete', blobsDone: 2 });
    expect(done.clients[0]!.bytes).toBe(config!.size + layer!.size);
    expect(done.clients[0]!.errors).toBe(0);
    const page = (await get(open, '/ui/')).body.toString();
    expect(page).toMatch(/library\/busybox:seed: complete/);
    expect(page).toMatch(/1 node: 1 done/);
  });

  it('a refused login is an event naming the user, never the password; the page itself is not a client', async () => {
    // The challenge every client starts with (no credentials yet) is no failure.
    await get(guarded, '/v2/');
    await get(guarded, '/v2/', { authorization: basic('mallory', 'guess-1') });
    const s = await state(guarded, { authorization: ALICE });
    const denied = s.events.filter((e) => e.kind === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ address: '127.0.0.1', user: 'mallory' });
    expect(JSON.stringify(s)).not.toContain('guess-1');
    expect(s.clients.map((c) => [c.user, c.requests, c.errors])).toEqual([['mallory', 2, 1]]);
  });

  it('a missing image is an event too', async () => {
    await get(open, '/v2/library/busybox/manifests/absent');
    const s = await state(open);
    expect(s.events.at(-1)).toMatchObject({ kind: 'not-found', message: '404 GET /v2/library/busybox/manifests/absent' });
  });
});

describe('rendering', () => {
  it('archive text is escaped, never markup', () => {
    const hostile: ImageModel = { ...model, images: model.images.map((r) => ({ ...r, tarPath: '/x/<script>alert(1)</script>.tar', tag: 'a"b' })) };
    const html = renderPage(buildState(hostile, new ClientTracker(), { version: '0', startedAt: new Date(0).toISOString(), host: 'h:1', scheme: 'http', auth: false }));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain(escapeHtml('/x/<script>alert(1)</script>.tar'));
    expect(html).not.toContain('a"b');
  });

  it('the state of a TLS seed names the CA nodes trust, and validates', () => {
    const ca = join(dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', ca, '-days', '2', '-subj', '/CN=test CA'], { stdio: 'ignore' });
    const ui = createUi(() => model);
    ui.started({ version: 'test', host: 'seed:5000', auth: false, certChain: readFileSync(ca, 'utf8'), caPath: ca });
    const s = buildState(model, new ClientTracker(), { version: '0', startedAt: new Date(0).toISOString(), host: 'seed:5000', scheme: 'https', auth: false, tls: { certificate: { subject: 'CN=x', issuer: 'CN=y', notBefore: new Date(0).toISOString(), notAfter: new Date(0).toISOString(), sha256: 'AB:'.repeat(31) + 'AB' } } });
    expect(validate(s), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('the seed log as events', () => {
  it("TLS failures, slowed logins and reloads the logger writes are the page's events too, and still written", async () => {
    const written: string[] = [];
    const base = { logsAccess: false, access() {}, event: (e: { message: string }) => void written.push(e.message), info: (m: string) => void written.push(m), warn: (m: string) => void written.push(m), error: (m: string) => void written.push(m) };
    const ui = createUi(() => model);
    const logger = ui.observe(base);
    logger.event({ event: 'tls-handshake-failed', message: 'tls: handshake from 10.0.0.9 failed: unknown CA', fields: { client: '10.0.0.9', reason: 'unknown CA' } });
    logger.event({ event: 'login-slowed', message: 'login: 5 failures from 10.0.0.9', fields: { client: '10.0.0.9' } });
    logger.info('content reloaded: 2 images (added a:1)');
    logger.info('something else');
    const guarded = await serve(model, { stages: [ui.tracker, ui.page] });
    ui.started({ version: 'test', host: 'h:1', auth: false });
    try {
      const s = await state(guarded);
      expect(s.events.map((e) => [e.kind, e.address ?? ''])).toEqual([['tls', '10.0.0.9'], ['throttled', '10.0.0.9'], ['reload', '']]);
    } finally {
      await guarded.stop();
    }
    expect(written).toHaveLength(4);
  });
});
