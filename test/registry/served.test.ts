// The served tables built at start-up: what /blobs/ answers for a manifest digest.
import { describe, expect, it } from 'vitest';
import { MediaType, type ImageModel, type Manifest } from '../../src/model.js';
import { buildServed } from '../../src/registry/served.js';
import { sha256 } from './model.js';

describe('buildServed', () => {
  it('gives a manifest its media type on /blobs/, also when the archive stores it as a blob (containerd issue 7390)', () => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }));
    const digest = sha256(bytes);
    const manifest: Manifest = { digest, mediaType: MediaType.ociIndex, bytes, origin: 'stored' };
    const stored = { digest, size: bytes.length, source: { kind: 'tar' as const, path: '/nowhere.tar', offset: 512, size: bytes.length } };
    const model: ImageModel = { manifests: new Map([[digest, manifest]]), blobs: new Map([[digest, stored]]), repositories: new Map(), images: [], warnings: [] };
    const blob = buildServed(model).blobs.get(digest);
    expect(blob?.headers['Content-Type']).toBe(MediaType.ociIndex);
    expect(blob?.complete['Content-Type']).toBe(MediaType.ociIndex);
    // The stored copy is still where the bytes are read from.
    expect(blob?.source).toEqual(stored.source);
  });
});
