// The committed fixture loads as a crane tarball, and inspect shows what a user needs to pull it.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { renderInspect } from '../../src/inspect.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));

describe('fixtures/seed-image.tar', () => {
  it('is one busybox image with one gzip layer, verified', async () => {
    const model = await loadImages([FIXTURE], { verify: true });
    expect(model.images).toHaveLength(1);
    const [image] = model.images;
    expect(image).toMatchObject({ repository: 'library/busybox', aliases: ['busybox'], tag: 'seed', platforms: ['linux/amd64'], layers: 1, origin: 'synthesized' });
    const manifest = JSON.parse(model.manifests.get(image!.digest)!.bytes.toString());
    expect(manifest.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(image!.size).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('inspect lists tag, digest, media type, platform, layers, origin and the pull line', async () => {
    const model = await loadImages([FIXTURE]);
    const digest = model.images[0]!.digest;
    const text = renderInspect(model, { json: false, host: '127.0.0.1:5000' });
    expect(text).toContain('library/busybox:seed  (also busybox:seed)');
    expect(text).toContain(digest);
    expect(text).toContain('application/vnd.oci.image.manifest.v1+json (synthesized)');
    expect(text).toContain('linux/amd64');
    expect(text).toMatch(/layers {3}1, 1\.\d MiB with config/);
    expect(text).toContain('docker pull 127.0.0.1:5000/library/busybox:seed');
    const json = JSON.parse(renderInspect(model, { json: true }));
    expect(json.images[0]).toMatchObject({ digest, reference: 'library/busybox:seed', pull: 'docker pull localhost:5000/library/busybox:seed' });
    expect(json.warnings).toEqual([]);
  });
});
