// The HTTP suite: one table of (method, path, headers → status, headers, body) against a real
// server on port 0, plus a pull oracle that re-hashes every blob, whole and in ranges.
import { afterAll, describe, expect, it } from 'vitest';
import { MediaType } from '../src/model.js';
import { buildTestImage, sha256, SBOM_TYPE } from './registry/model.js';
import { pull } from './registry/oracle.js';
import { serve } from './registry/serve.js';

const t = await buildTestImage();
const server = await serve(t.model);
afterAll(() => server.stop());

const LAYER = sha256(t.layer);
const CONFIG = sha256(t.config);
const SIZE = t.layer.length;
const UNKNOWN = `sha256:${'0'.repeat(64)}`;
const DOCKER_ACCEPT = [MediaType.dockerManifest, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.ociIndex];
const ABSENT = null;

interface Row {
  name: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  path: string;
  headers?: string[];
  status: number;
  /** Expected header values; null = must be absent; RegExp = must match. */
  expect?: Record<string, string | RegExp | null>;
  /** Expected body: bytes, a JSON value, or an OCI error code. */
  body?: Buffer | { json: unknown } | { error: string };
}

const layerBlob = `/v2/library/registry/blobs/${LAYER}`;
const blobHeaders = {
  'content-type': 'application/octet-stream',
  'docker-content-digest': LAYER,
  etag: `"${LAYER}"`,
  'accept-ranges': 'bytes',
  'cache-control': 'max-age=31536000, immutable',
};
const manifestHeaders = (m: typeof t.amd64) => ({
  'content-type': m.mediaType,
  'content-length': String(m.bytes.length),
  'docker-content-digest': m.digest,
  etag: `"${m.digest}"`,
});
const unsatisfiable = { status: 416, expect: { 'content-range': `bytes */${SIZE}`, 'content-length': /^[1-9]\d*$/ } };
const range = (a: number, b: number) => ({ 'content-range': `bytes ${a}-${b}/${SIZE}`, 'content-length': String(b - a + 1) });

const rows: Row[] = [
  // Base routes
  { name: 'root', path: '/', status: 200, expect: { 'content-length': '0' }, body: Buffer.alloc(0) },
  { name: '/v2 redirects', path: '/v2', status: 301, expect: { location: '/v2/' } },
  { name: 'API version check', path: '/v2/', status: 200, expect: { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', 'x-content-type-options': 'nosniff' }, body: { json: {} } },
  { name: 'API version check HEAD', method: 'HEAD', path: '/v2/', status: 200, expect: { 'content-length': '2' }, body: Buffer.alloc(0) },
  { name: 'unknown route', path: '/v2/library/registry/blobs/uploads/x', status: 404 },
  // Manifests
  { name: 'manifest by tag serves the stored index', path: '/v2/library/registry/manifests/2', headers: ['accept', DOCKER_ACCEPT.join(', ')], status: 200, expect: manifestHeaders(t.index), body: t.index.bytes },
  { name: 'docker sends one Accept line per type', path: '/v2/library/registry/manifests/2', headers: DOCKER_ACCEPT.flatMap((a) => ['accept', a]), status: 200, expect: manifestHeaders(t.index), body: t.index.bytes },
  { name: 'no index type accepted → platform child', path: '/v2/library/registry/manifests/2', headers: ['accept', MediaType.ociManifest], status: 200, expect: manifestHeaders(t.amd64), body: t.amd64.bytes },
  { name: '*/* gets the stored index', path: '/v2/library/registry/manifests/2', headers: ['accept', '*/*'], status: 200, expect: manifestHeaders(t.index) },
  { name: 'no Accept gets the stored index', path: '/v2/library/registry/manifests/2', status: 200, expect: manifestHeaders(t.index) },
  { name: 'stored type served even if not listed', path: '/v2/org/app/manifests/v1', headers: ['accept', MediaType.ociManifest], status: 200, expect: manifestHeaders(t.hubApp), body: t.hubApp.bytes },
  { name: 'manifest by digest is exact even without index types', path: `/v2/library/registry/manifests/${t.index.digest}`, headers: ['accept', MediaType.ociManifest], status: 200, expect: manifestHeaders(t.index) },
  { name: 'HEAD manifest has headers, no body', method: 'HEAD', path: '/v2/library/registry/manifests/amd64', status: 200, expect: manifestHeaders(t.amd64), body: Buffer.alloc(0) },
  { name: 'alias name', path: '/v2/registry/manifests/amd64', status: 200, expect: manifestHeaders(t.amd64) },
  { name: 'any known name serves a known digest', path: `/v2/org/app/manifests/${t.amd64.digest}`, status: 200, expect: manifestHeaders(t.amd64) },
  { name: 'ns picks the registry', path: '/v2/org/app/manifests/v1?ns=ghcr.io', status: 200, expect: manifestHeaders(t.ghcrApp) },
  { name: 'without ns docker.io wins', path: '/v2/org/app/manifests/v1', status: 200, expect: manifestHeaders(t.hubApp) },
  { name: 'ns naming no registry of ours', path: '/v2/org/app/manifests/v1?ns=quay.io', status: 404, body: { error: 'NAME_UNKNOWN' } },
  { name: 'If-None-Match → 304', path: '/v2/library/registry/manifests/amd64', headers: ['if-none-match', `"${t.amd64.digest}"`], status: 304, expect: { etag: `"${t.amd64.digest}"`, 'content-length': ABSENT }, body: Buffer.alloc(0) },
  { name: 'If-None-Match other → 200', path: '/v2/library/registry/manifests/amd64', headers: ['if-none-match', `"${UNKNOWN}"`], status: 200, body: t.amd64.bytes },
  { name: 'unknown tag', path: '/v2/library/registry/manifests/nope', status: 404, expect: { 'content-type': 'application/json' }, body: { error: 'MANIFEST_UNKNOWN' } },
  { name: 'unknown manifest digest', path: `/v2/library/registry/manifests/${UNKNOWN}`, status: 404, body: { error: 'MANIFEST_UNKNOWN' } },
  { name: 'unknown repository', path: '/v2/nobody/manifests/latest', status: 404, body: { error: 'NAME_UNKNOWN' } },
  { name: 'unknown repository by digest', path: `/v2/nobody/manifests/${t.amd64.digest}`, status: 404, body: { error: 'NAME_UNKNOWN' } },
  { name: 'invalid name', path: '/v2/Bad_Name/manifests/latest', status: 400, body: { error: 'NAME_INVALID' } },
  { name: 'invalid digest', path: '/v2/library/registry/manifests/sha256:1234', status: 400, body: { error: 'DIGEST_INVALID' } },
  { name: 'HEAD error has no body', method: 'HEAD', path: '/v2/nobody/manifests/latest', status: 404, expect: { 'content-type': 'application/json', 'content-length': /^[1-9]\d*$/ }, body: Buffer.alloc(0) },
  // Blobs
  { name: 'blob', path: layerBlob, status: 200, expect: { ...blobHeaders, 'content-length': String(SIZE) }, body: t.layer },
  { name: 'HEAD blob', method: 'HEAD', path: layerBlob, status: 200, expect: { ...blobHeaders, 'content-length': String(SIZE) }, body: Buffer.alloc(0) },
  { name: 'config blob', path: `/v2/registry/blobs/${CONFIG}`, status: 200, body: t.config },
  { name: 'range a-b', path: layerBlob, headers: ['range', 'bytes=10-19'], status: 206, expect: { ...blobHeaders, ...range(10, 19) }, body: t.layer.subarray(10, 20) },
  { name: 'range 0-0', path: layerBlob, headers: ['range', 'bytes=0-0'], status: 206, expect: range(0, 0), body: t.layer.subarray(0, 1) },
  { name: 'range a- resumes', path: layerBlob, headers: ['range', 'bytes=123456-'], status: 206, expect: range(123456, SIZE - 1), body: t.layer.subarray(123456) },
  { name: 'range -n suffix', path: layerBlob, headers: ['range', 'bytes=-100'], status: 206, expect: range(SIZE - 100, SIZE - 1), body: t.layer.subarray(SIZE - 100) },
  { name: 'range end past size clamps', path: layerBlob, headers: ['range', `bytes=${SIZE - 5}-${SIZE + 100}`], status: 206, expect: range(SIZE - 5, SIZE - 1), body: t.layer.subarray(SIZE - 5) },
  { name: 'HEAD range', method: 'HEAD', path: layerBlob, headers: ['range', 'bytes=0-9'], status: 206, expect: range(0, 9), body: Buffer.alloc(0) },
  { name: 'range past end → 416', path: layerBlob, headers: ['range', `bytes=${SIZE}-`], ...unsatisfiable },
  { name: 'invalid range → 416', path: layerBlob, headers: ['range', 'bytes=9-1'], ...unsatisfiable },
  { name: 'garbage range → 416', path: layerBlob, headers: ['range', 'bytes=x'], ...unsatisfiable },
  { name: 'other unit ignored', path: layerBlob, headers: ['range', 'items=0-1'], status: 200, expect: { 'content-range': ABSENT }, body: t.layer },
  { name: 'several ranges → whole blob', path: layerBlob, headers: ['range', 'bytes=0-1,5-6'], status: 200, expect: { 'content-length': String(SIZE) }, body: t.layer },
  { name: 'If-Range matching', path: layerBlob, headers: ['range', 'bytes=0-9', 'if-range', `"${LAYER}"`], status: 206, body: t.layer.subarray(0, 10) },
  { name: 'If-Range stale → whole', path: layerBlob, headers: ['range', 'bytes=0-9', 'if-range', `"${UNKNOWN}"`], status: 200, body: t.layer },
  { name: 'If-None-Match blob → 304', path: layerBlob, headers: ['if-none-match', `"${LAYER}"`], status: 304, body: Buffer.alloc(0) },
  { name: 'empty blob', path: `/v2/registry/blobs/${sha256(Buffer.alloc(0))}`, status: 200, expect: { 'content-length': '0' }, body: Buffer.alloc(0) },
  { name: 'manifest digest on /blobs/', path: `/v2/registry/blobs/${t.index.digest}`, status: 200, expect: { 'docker-content-digest': t.index.digest, 'content-type': t.index.mediaType }, body: t.index.bytes },
  { name: 'HEAD manifest digest on /blobs/ has its media type', method: 'HEAD', path: `/v2/registry/blobs/${t.hubApp.digest}`, status: 200, expect: { 'content-type': t.hubApp.mediaType, 'content-length': String(t.hubApp.bytes.length) }, body: Buffer.alloc(0) },
  { name: 'range of a manifest on /blobs/', path: `/v2/registry/blobs/${t.index.digest}`, headers: ['range', 'bytes=0-4'], status: 206, body: t.index.bytes.subarray(0, 5) },
  { name: 'unknown blob', path: `/v2/registry/blobs/${UNKNOWN}`, status: 404, body: { error: 'BLOB_UNKNOWN' } },
  { name: 'HEAD unknown blob', method: 'HEAD', path: `/v2/registry/blobs/${UNKNOWN}`, status: 404, body: Buffer.alloc(0) },
  { name: 'blob under unknown name', path: `/v2/nobody/blobs/${LAYER}`, status: 404, body: { error: 'NAME_UNKNOWN' } },
  { name: 'invalid blob digest', path: '/v2/registry/blobs/sha256:XYZ', status: 400, body: { error: 'DIGEST_INVALID' } },
  // Listing
  { name: 'tags', path: '/v2/library/registry/tags/list', status: 200, body: { json: { name: 'library/registry', tags: ['2', 'a', 'amd64', 'b', 'c', 'd', 'e'] } } },
  { name: 'tags page 1', path: '/v2/library/registry/tags/list?n=2', status: 200, expect: { link: '</v2/library/registry/tags/list?n=2&last=a>; rel="next"' }, body: { json: { name: 'library/registry', tags: ['2', 'a'] } } },
  { name: 'tags page after last', path: '/v2/library/registry/tags/list?n=3&last=b', status: 200, expect: { link: ABSENT }, body: { json: { name: 'library/registry', tags: ['c', 'd', 'e'] } } },
  { name: 'tags with ns', path: '/v2/org/app/tags/list?ns=ghcr.io', status: 200, body: { json: { name: 'org/app', tags: ['v1'] } } },
  { name: 'tags bad n', path: '/v2/library/registry/tags/list?n=x', status: 400, body: { error: 'PAGINATION_NUMBER_INVALID' } },
  { name: 'tags unknown repository', path: '/v2/nobody/tags/list', status: 404, body: { error: 'NAME_UNKNOWN' } },
  { name: 'catalog', path: '/v2/_catalog', status: 200, body: { json: { repositories: ['library/registry', 'org/app', 'registry'] } } },
  { name: 'catalog page', path: '/v2/_catalog?n=1&last=library/registry', status: 200, expect: { link: '</v2/_catalog?n=1&last=org%2Fapp>; rel="next"' }, body: { json: { repositories: ['org/app'] } } },
  { name: 'catalog bad n', path: '/v2/_catalog?n=-3', status: 400, body: { error: 'PAGINATION_NUMBER_INVALID' } },
  // Referrers
  { name: 'referrers', path: `/v2/registry/referrers/${t.amd64.digest}`, status: 200, expect: { 'content-type': MediaType.ociIndex }, body: { json: { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: t.sbom.mediaType, digest: t.sbom.digest, size: t.sbom.bytes.length, artifactType: SBOM_TYPE }] } } },
  { name: 'referrers filtered', path: `/v2/registry/referrers/${t.amd64.digest}?artifactType=other`, status: 200, expect: { 'oci-filters-applied': 'artifactType' }, body: { json: { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] } } },
  { name: 'referrers none', path: `/v2/registry/referrers/${t.arm64.digest}`, status: 200, body: { json: { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] } } },
  { name: 'referrers invalid digest', path: '/v2/registry/referrers/nope', status: 400, body: { error: 'DIGEST_INVALID' } },
  // Writes refused
  ...(['POST', 'PUT', 'PATCH', 'DELETE'] as const).map((method): Row => ({ name: `${method} refused`, method, path: `/v2/registry/manifests/amd64`, status: 405, expect: { allow: 'GET, HEAD' }, body: { error: 'UNSUPPORTED' } })),
  { name: 'upload refused', method: 'POST', path: '/v2/registry/blobs/uploads/', status: 405, expect: { allow: 'GET, HEAD' }, body: { error: 'UNSUPPORTED' } },
  { name: 'other method', method: 'OPTIONS', path: '/', status: 405, expect: { allow: 'GET, HEAD' } },
];

describe('HTTP', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const res = await server.pool.request({ method: row.method ?? 'GET', path: row.path, headers: row.headers });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(row.status);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    for (const [name, want] of Object.entries(row.expect ?? {})) {
      const got = res.headers[name];
      if (want === null) expect(got, name).toBeUndefined();
      else if (want instanceof RegExp) expect(String(got), name).toMatch(want);
      else expect(got, name).toBe(want);
    }
    if (res.headers['content-length'] !== undefined && row.method !== 'HEAD') {
      expect(body.length).toBe(Number(res.headers['content-length']));
    }
    if (row.body === undefined) return;
    if (Buffer.isBuffer(row.body)) expect(body.equals(row.body), `body of ${body.length} bytes`).toBe(true);
    else if ('json' in row.body) expect(JSON.parse(body.toString())).toEqual(row.body.json);
    else expect(JSON.parse(body.toString()).errors[0].code).toBe(row.body.error);
  });
});

describe('pull oracle', () => {
  it.each([
    ['library/registry', '2'],
    ['registry', 'amd64'],
    ['org/app', 'v1'],
  ])('%s:%s re-hashes to its digests, whole and in ranges', async (name, tag) => {
    const result = await pull(server.pool, name, tag);
    expect(result.blobs.length).toBeGreaterThan(0);
    expect(result.manifests.length).toBeGreaterThan(0);
  });

  it('pulls the index and both platforms', async () => {
    const result = await pull(server.pool, 'library/registry', '2');
    expect(result.manifests).toEqual([t.index.digest, t.amd64.digest, t.arm64.digest]);
  });
});

describe('--platform', () => {
  it('serves the configured platform to a client that accepts no index', async () => {
    const arm = await serve(t.model, { platform: { os: 'linux', architecture: 'arm64' } });
    try {
      const res = await arm.pool.request({ method: 'GET', path: '/v2/registry/manifests/2', headers: { accept: MediaType.ociManifest } });
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(res.headers['docker-content-digest']).toBe(t.arm64.digest);
      expect(body.equals(t.arm64.bytes)).toBe(true);
    } finally {
      await arm.stop();
    }
  });

  it('serves the index when the archive lacks that platform', async () => {
    const s390 = await serve(t.model, { platform: { os: 'linux', architecture: 's390x' } });
    try {
      const res = await s390.pool.request({ method: 'GET', path: '/v2/registry/manifests/2', headers: { accept: MediaType.dockerManifest } });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      expect(res.headers['docker-content-digest']).toBe(t.index.digest);
    } finally {
      await s390.stop();
    }
  });
});
