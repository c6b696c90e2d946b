import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors.js';
import { isDigest, isRepositoryName, isTag } from '../../src/reference.js';
import { parseRequest } from '../../src/registry/request.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof RegistryError) return error.code;
    throw error;
  }
  return undefined;
}

describe('grammar', () => {
  it.each([
    ['library/registry', true],
    ['a', true],
    ['my-org/sub.team/app_1', true],
    ['a__b', true],
    ['Upper/case', false],
    ['trailing/', false],
    ['/leading', false],
    ['double//slash', false],
    ['dash-/x', false],
    ['a'.repeat(256), false],
  ])('name %s → %s', (name, ok) => expect(isRepositoryName(name)).toBe(ok));

  it.each([
    [DIGEST, true],
    [`sha512:${'b'.repeat(128)}`, true],
    [`sha256:${'A'.repeat(64)}`, false],
    ['sha256:abc', false],
    ['sha256', false],
    ['multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8', true],
  ])('digest %s → %s', (digest, ok) => expect(isDigest(digest)).toBe(ok));

  it.each([
    ['latest', true],
    ['v1.2.3-rc_1', true],
    ['.hidden', false],
    ['a'.repeat(129), false],
  ])('tag %s → %s', (tag, ok) => expect(isTag(tag)).toBe(ok));
});

describe('parseRequest', () => {
  it('parses a manifest request by tag with Accept types', () => {
    const req = parseRequest('HEAD', '/v2/library/registry/manifests/2?ns=docker.io', { accept: 'application/json' });
    expect(req).toEqual({
      head: true,
      route: { kind: 'manifest', name: 'library/registry', ns: 'docker.io', reference: { tag: '2' }, accept: ['application/json'], ifNoneMatch: undefined },
    });
  });

  it('parses a blob request with a range and a percent-encoded digest', () => {
    const req = parseRequest('GET', `/v2/a/b/blobs/${DIGEST.replace(':', '%3A')}`, { range: 'bytes=5-' });
    expect(req.route).toMatchObject({ kind: 'blob', name: 'a/b', digest: DIGEST, range: { kind: 'single', spec: { start: 5 } } });
  });

  it('parses pagination and referrers filters', () => {
    expect(parseRequest('GET', '/v2/_catalog?n=2&last=b', {}).route).toEqual({ kind: 'catalog', page: { n: 2, last: 'b' } });
    expect(parseRequest('GET', `/v2/x/referrers/${DIGEST}?artifactType=t%2Fx`, {}).route).toMatchObject({ kind: 'referrers', digest: DIGEST, artifactType: 't/x' });
  });

  it.each([
    ['GET', '/v2/UPPER/manifests/latest', 'NAME_INVALID'],
    ['GET', '/v2/x/blobs/sha256:zz', 'DIGEST_INVALID'],
    ['GET', '/v2/x/manifests/sha256:short', 'DIGEST_INVALID'],
    ['GET', '/v2/x/manifests/-bad', 'MANIFEST_UNKNOWN'],
    ['GET', '/v2/x/tags/list?n=-1', 'PAGINATION_NUMBER_INVALID'],
    ['GET', '/v2/_catalog?n=ten', 'PAGINATION_NUMBER_INVALID'],
    ['PUT', '/v2/x/manifests/latest', 'UNSUPPORTED'],
    ['POST', '/v2/x/blobs/uploads/', 'UNSUPPORTED'],
    ['OPTIONS', '/', 'UNSUPPORTED'],
  ])('%s %s → %s', (method, url, code) => {
    expect(codeOf(() => parseRequest(method, url, {}))).toBe(code);
  });

  it('routes the fixed paths and leaves others not found', () => {
    expect(parseRequest('GET', '/', {}).route).toEqual({ kind: 'root' });
    expect(parseRequest('GET', '/v2', {}).route).toEqual({ kind: 'redirect', location: '/v2/' });
    expect(parseRequest('GET', '/v2/', {}).route).toEqual({ kind: 'base' });
    expect(parseRequest('GET', '/v2/x/blobs/uploads/abc', {}).route).toEqual({ kind: 'not-found' });
    expect(parseRequest('GET', '/favicon.ico', {}).route).toEqual({ kind: 'not-found' });
  });
});

describe('request targets', () => {
  const route = (url: string) => parseRequest('GET', url, {}).route;

  it.each([
    ['/v2/library/busybox/tags/list?n=2&last=a', { kind: 'tags', name: 'library/busybox', ns: undefined, page: { n: 2, last: 'a' } }],
    ['/v2/library/busybox/tags/list?ns=docker.io', { kind: 'tags', name: 'library/busybox', ns: 'docker.io', page: { last: undefined } }],
    ['/v2/_catalog#frag', { kind: 'catalog', page: { last: undefined } }],
    ['/v2/_catalog?n=1#frag', { kind: 'catalog', page: { n: 1, last: undefined } }],
    ['http://example.test/v2/_catalog?n=3', { kind: 'catalog', page: { n: 3, last: undefined } }],
    ['/v2/', { kind: 'base' }],
  ])('%s', (url, expected) => expect(route(url)).toEqual(expected));

  it.each([
    'http://h:99999/v2/',
    'http://%zz/v2/',
    'http://[::1/v2/',
    'http://[fe80::1%25eth0]/v2/',
    'http://[fe80::1%eth0]/v2/',
    'ftp://h/v2/',
    'h:80',
    '*',
    'v2/',
    '',
  ])('answers the request target %j with 400 NAME_INVALID', (target) => {
    expect(codeOf(() => route(target))).toBe('NAME_INVALID');
  });

  it('does not resolve dot segments into another repository', () => {
    expect(codeOf(() => route('/v2/library/../busybox/manifests/seed'))).toBe('NAME_INVALID');
  });
});
