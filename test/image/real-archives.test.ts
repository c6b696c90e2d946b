// Archives written by the real tools (see fixtures/README.md): each reader against genuine output.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import { indexTar } from '../../src/tar/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/formats/${name}`, import.meta.url));
const load = (name: string): Promise<ImageModel> => loadImages([fixture(name)], { verify: true });
const names = (m: ImageModel) => m.images.map((i) => `${i.registry}/${i.repository}:${i.tag}`);

describe('archives written by real tools load and verify', () => {
  it.each([
    ['tiny-crane.tar', ['example.com/tiny/app:1.0'], 'synthesized'],
    ['skopeo-docker-archive.tar', ['example.com/tiny/app:1.0'], 'synthesized'],
    ['podman-docker-archive.tar', ['example.com/tiny/app:1.0'], 'synthesized'],
    ['docker-save-legacy.tar', ['example.com/tiny/app:1.0', 'docker.io/library/registry:2.8.1'], 'synthesized'],
    ['skopeo-oci-archive.tar', ['docker.io/library/skopeo-oci-archive:1.0'], 'stored'],
    ['ctr-export.tar', ['example.com/tiny/app:1.0'], 'stored'],
    ['skopeo-oci-dir', ['example.com/tiny/app:1.0'], 'stored'],
  ])('%s', async (file, expected, origin) => {
    const model = await load(file);
    expect(names(model)).toEqual(expected);
    for (const image of model.images) expect(image).toMatchObject({ origin, platforms: ['linux/amd64'], layers: 1 });
    expect(model.warnings).toEqual([]);
  });
});

describe('digests agree across tools', () => {
  it('skopeo stored the very manifest bytes synthesized for the crane tarball', async () => {
    const crane = await load('tiny-crane.tar');
    const oci = await load('skopeo-oci-archive.tar');
    expect(oci.images[0]!.digest).toBe(crane.images[0]!.digest);
    expect(oci.manifests.get(oci.images[0]!.digest)!.bytes.equals(crane.manifests.get(crane.images[0]!.digest)!.bytes)).toBe(true);
  });

  it('docker, podman and skopeo docker-archives synthesize the same manifest', async () => {
    const digests = await Promise.all(['docker-save-legacy.tar', 'podman-docker-archive.tar', 'skopeo-docker-archive.tar'].map(async (f) => (await load(f)).images[0]!.digest));
    expect(new Set(digests).size).toBe(1);
  });

  it('an OCI layout folder skopeo wrote serves the manifest of the archive it came from, from its blob files', async () => {
    const dir = await load('skopeo-oci-dir');
    const archive = await load('skopeo-oci-archive.tar');
    expect(dir.images[0]!.digest).toBe(archive.images[0]!.digest);
    expect([...dir.blobs.values()].map((b) => b.source.kind)).toEqual(['file', 'file']);
  });

  it('ctr export keeps its docker schema2 manifest as stored', async () => {
    const model = await load('ctr-export.tar');
    expect(model.images[0]!.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('a podman layer is served from the entry manifest.json names, in place', async () => {
    const path = fixture('podman-docker-archive.tar');
    const index = await indexTar(path);
    const [item] = (await index.readJSON('manifest.json')) as Array<{ Layers: string[] }>;
    const target = index.resolve(item!.Layers[0]!)!;
    const model = await load('podman-docker-archive.tar');
    const layer = [...model.blobs.values()].find((b) => b.size === target.size)!;
    expect(layer.source).toEqual({ kind: 'tar', path, offset: target.offset, size: target.size });
  });
});
