// The registry reading a policy's verdicts: refused manifests and blobs answered 403 DENIED with the
// reason (body and access log), left out of tag lists and the catalog; signed images and their
// signatures served as usual.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { applyPolicy } from '../../src/trust/apply.js';
import { loadPolicy } from '../../src/trust/policy.js';
import { serve, type Running } from '../registry/serve.js';
import { tempDir } from '../helpers/pack.js';
import { rm } from 'node:fs/promises';
import { buildScenario, type Scenario } from './scenario.js';
import { sigTag, writePublicKey } from './signer.js';

let dir: string;
let s: Scenario;
let running: Running;
const OCI_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

beforeAll(async () => {
  dir = await tempDir('seed-trust-http-');
  s = await buildScenario(dir);
  const policy = loadPolicy({ signedBy: [writePublicKey(dir, 'cosign.pub', s.trusted)] });
  running = await serve(await applyPolicy(await loadImages([s.path]), policy));
});
afterAll(async () => {
  await running.stop();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string, method = 'GET') {
  const res = await running.pool.request({ path, method, headers: { accept: OCI_ACCEPT } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: text && res.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : undefined };
}

describe('serving under a signature policy', () => {
  it('serves a signed image by tag and by digest, and its signature tag', async () => {
    expect((await get('/v2/team/app/manifests/1')).status).toBe(200);
    expect((await get(`/v2/team/app/manifests/${s.digests['team/app:1']}`)).status).toBe(200);
    expect((await get(`/v2/team/app/manifests/${sigTag(s.digests['team/app:1']!)}`)).status).toBe(200);
    expect((await get(`/v2/team/multi/manifests/${s.digests['team/multi:1 arm64']}`)).status).toBe(200);
  });

  it.each([
    ['/v2/team/app/manifests/2', 'unsigned', /not signed/],
    ['/v2/team/other/manifests/1', 'unknown-key', /not by a trusted key/],
    ['/v2/team/replayed/manifests/1', 'digest-mismatch', /not this manifest/],
    ['/v2/team/truncated/manifests/1', 'bad-signature', /malformed/],
    ['/v2/team/tags/manifests/latest', 'reference-mismatch', /no signature names registry\.example\/team\/tags:latest/],
  ])('GET %s: 403 DENIED, %s', async (path, reason, message) => {
    const res = await get(path);
    expect(res.status).toBe(403);
    expect(res.json.errors[0].code).toBe('DENIED');
    expect(res.json.errors[0].message).toMatch(message);
    expect(res.json.errors[0].detail.reason).toBe(reason);
    const logged = running.access.find((e) => e.path === path);
    expect(logged?.note).toMatch(message);
  });

  it('answers HEAD of a refused manifest 403 without a body, and a refused digest too', async () => {
    const head = await get('/v2/team/app/manifests/2', 'HEAD');
    expect(head.status).toBe(403);
    expect(head.text).toBe('');
    expect((await get(`/v2/team/app/manifests/${s.digests['team/app:2']}`)).status).toBe(403);
  });

  it('refuses a blob only a refused image has, serves one a signed image shares', async () => {
    const refused = await get(`/v2/team/app/blobs/${s.unsignedOnlyLayer}`);
    expect(refused.status).toBe(403);
    expect(refused.json.errors[0].code).toBe('DENIED');
    expect((await get(`/v2/team/app/blobs/${s.sharedLayer}`)).status).toBe(200);
    expect((await get(`/v2/team/app/blobs/${s.digests['team/app:2']}`)).status).toBe(403);
  });

  it('leaves refused tags out of tag lists, and wholly refused repositories out of the catalog', async () => {
    expect((await get('/v2/team/app/tags/list')).json.tags).toEqual(['1', sigTag(s.digests['team/app:1']!)]);
    expect((await get('/v2/team/tags/tags/list')).json.tags).toEqual(['1', sigTag(s.digests['team/tags:1']!)]);
    const catalog = (await get('/v2/_catalog')).json.repositories as string[];
    expect(catalog).toEqual(expect.arrayContaining(['team/app', 'team/bundled', 'team/multi', 'team/tags']));
    for (const name of ['team/other', 'team/tampered', 'team/replayed', 'team/truncated', 'team/moved']) expect(catalog).not.toContain(name);
  });

  it('lists the bundle referrer of a signed image', async () => {
    const res = await get(`/v2/team/bundled/referrers/${s.digests['team/bundled:1']}`);
    expect(res.json.manifests.map((d: { digest: string }) => d.digest)).toEqual([s.digests['bundle referrer']]);
  });
});
