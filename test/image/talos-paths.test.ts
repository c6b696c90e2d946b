// Where Talos' image cache keeps what (src/image/readers/talos-paths.ts), as pkg/imager/cache/cache.go
// writes the names: a table of file names → what they are, and registry folders → references.
import { describe, expect, it } from 'vitest';
import { cachePaths, parseCacheEntry, referenceOf } from '../../src/image/readers/talos-paths.js';

const HEX = 'ab'.repeat(32);

describe('parseCacheEntry', () => {
  it.each([
    ['manifests/docker.io/library/registry/reference/2.8.1', { repository: 'docker.io/library/registry', kind: 'tag', tag: '2.8.1' }],
    [`manifests/ghcr.io/a/b/c/digest/sha256-${HEX}`, { repository: 'ghcr.io/a/b/c', kind: 'digest', digest: `sha256:${HEX}` }],
    [`manifests/docker.io/x/reference/sha256-${HEX}.sig`, { repository: 'docker.io/x', kind: 'tag', tag: `sha256-${HEX}.sig` }],
    // A repository may be named `reference`: only the second-to-last folder tells tag from digest.
    [`manifests/h.io/reference/digest/sha256-${HEX}`, { repository: 'h.io/reference', kind: 'digest', digest: `sha256:${HEX}` }],
  ])('%s', (name, expected) => {
    expect(parseCacheEntry(name)).toEqual(expected);
  });

  it.each([
    'blob/sha256-' + HEX,
    'manifests/docker.io/reference/1',
    `manifests/docker.io/x/digest/sha512-${HEX}`,
    'manifests/docker.io/x/digest/not-a-digest',
    'manifests/docker.io/x/other/1',
  ])('%s is not a cache manifest', (name) => {
    expect(parseCacheEntry(name)).toBeUndefined();
  });
});

describe('referenceOf and cachePaths', () => {
  it.each([
    ['docker.io/library/busybox', 'docker.io/library/busybox'],
    ['localhost_5000_/team/app', 'localhost:5000/team/app'],
    ['registry.example.com_443_/a', 'registry.example.com:443/a'],
    ['registry.k8s.io/pause', 'registry.k8s.io/pause'],
  ])('%s → %s', (folder, reference) => {
    expect(referenceOf(folder)).toBe(reference);
  });

  it('manifests by digest in the repository folder, blobs in blob/', () => {
    const paths = cachePaths('ghcr.io/org/app');
    expect(paths.manifest(`sha256:${HEX}`)).toBe(`manifests/ghcr.io/org/app/digest/sha256-${HEX}`);
    expect(paths.blob(`sha256:${HEX}`)).toBe(`blob/sha256-${HEX}`);
  });
});
