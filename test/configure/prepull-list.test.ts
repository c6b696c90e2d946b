// The k3s/RKE2 pre-pull list: every served, tagged image by its original name, references only.
import { describe, expect, it } from 'vitest';
import type { ImageModel, ImageRecord } from '../../src/model.js';
import { originalReferences, prepullList } from '../../src/configure/prepull-list.js';

const record = (registry: string, repository: string, tag: string | undefined, digest: string): ImageRecord => ({
  tarPath: '/x.tar', registry, repository, aliases: [], tag, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', origin: 'stored', platforms: ['linux/amd64'], layers: 1, size: 1,
});

function model(images: ImageRecord[], refused: string[] = []): ImageModel {
  return {
    manifests: new Map(), blobs: new Map(), repositories: new Map(), images, warnings: [],
    ...(refused.length && { refused: new Map(refused.map((d) => [d, { reason: 'unsigned' as const, message: 'not signed' }])) }),
  };
}

describe('originalReferences', () => {
  it('names each tagged image by its registry, once, sorted; untagged and refused images are left out', () => {
    const images = [
      record('registry.k8s.io', 'pause', '3.10', 'sha256:a'),
      record('docker.io', 'library/busybox', '1.36', 'sha256:b'),
      record('docker.io', 'library/busybox', '1.36', 'sha256:b'),
      record('ghcr.io', 'org/app', undefined, 'sha256:c'),
      record('quay.io', 'org/denied', '1', 'sha256:d'),
    ];
    expect(originalReferences(model(images, ['sha256:d']))).toEqual(['docker.io/library/busybox:1.36', 'registry.k8s.io/pause:3.10']);
  });
});

describe('prepullList', () => {
  it('writes one reference a line and nothing else (k3s pulls every line as it is)', () => {
    const { file, note } = prepullList('rke2', ['docker.io/library/busybox:1.36', 'registry.k8s.io/pause:3.10']);
    expect(file).toEqual({ path: 'agent/images/seed-registry-images.txt', contents: 'docker.io/library/busybox:1.36\nregistry.k8s.io/pause:3.10\n' });
    expect(note).toContain('/var/lib/rancher/rke2/agent/images/');
  });
});
