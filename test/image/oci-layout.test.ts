// OCI image layout archives, and docker save from Docker 25 (OCI layout + manifest.json).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { tempDir } from '../helpers/pack.js';
import { OciLayout, hex, makeLayer, writeArchive } from './archives.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const amd = makeLayer('amd64');
const arm = makeLayer('arm64');
const named = (name: string, ref?: string) => ({
  annotations: { 'io.containerd.image.name': name, ...(ref ? { 'org.opencontainers.image.ref.name': ref } : {}) },
});

describe('OCI image layout', () => {
  it('serves stored manifests as their exact bytes, names from io.containerd.image.name', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const path = await writeArchive(dir, 'plain.tar', oci.pack([{ ...m, ...named('ghcr.io/org/app:1.0', '1.0') }]));
    const model = await loadImages([path]);
    expect(model.images).toHaveLength(1);
    expect(model.images[0]).toMatchObject({ registry: 'ghcr.io', repository: 'org/app', tag: '1.0', origin: 'stored', digest: m.digest, platforms: ['linux/amd64'] });
    const stored = model.manifests.get(m.digest)!;
    expect(stored.bytes.toString()).toContain('\n   '); // whitespace kept: not re-serialized
    expect(stored.bytes.length).toBe(m.size);
  });

  it('reads multi-arch nested indexes', async () => {
    const oci = new OciLayout();
    const inner = oci.index([{ ...oci.image([arm], { os: 'linux', architecture: 'arm64' }), platform: { os: 'linux', architecture: 'arm64' } }]);
    const outer = oci.index([{ ...oci.image([amd]), platform: { os: 'linux', architecture: 'amd64' } }, inner]);
    const path = await writeArchive(dir, 'multi.tar', oci.pack([{ ...outer, ...named('docker.io/library/app:2') }]));
    const model = await loadImages([path]);
    expect(model.images[0]).toMatchObject({ repository: 'library/app', aliases: ['app'], mediaType: 'application/vnd.oci.image.index.v1+json', layers: 2 });
    expect(model.images[0]!.platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(model.manifests.size).toBe(4);
    expect(model.manifests.get(outer.digest)?.manifests).toHaveLength(2);
    expect(model.warnings).toEqual([]);
  });

  it('names a bare ref.name tag with the file name, or with --repository', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const path = await writeArchive(dir, 'My.App.oci.tar', oci.pack([{ ...m, annotations: { 'org.opencontainers.image.ref.name': 'v3' } }]));
    expect((await loadImages([path])).images[0]).toMatchObject({ repository: 'library/my-app', tag: 'v3' });
    const model = await loadImages([path], { repository: 'team/app' });
    expect(model.images[0]).toMatchObject({ repository: 'team/app', tag: 'v3' });
    expect(model.repositories.get('team/app')?.[0]?.tags.get('v3')).toBe(m.digest);
  });

  it('takes a full reference in ref.name (skopeo, buildkit)', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const path = await writeArchive(dir, 'skopeo.tar', oci.pack([{ ...m, annotations: { 'org.opencontainers.image.ref.name': 'busybox:1.36' } }]));
    expect((await loadImages([path])).images[0]).toMatchObject({ repository: 'library/busybox', tag: '1.36' });
  });

  it('keeps an unnamed image reachable by digest', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const path = await writeArchive(dir, 'anon.tar', oci.pack([m]));
    const model = await loadImages([path]);
    expect(model.images[0]).toMatchObject({ repository: 'library/anon', digest: m.digest });
    expect(model.images[0]!.tag).toBeUndefined();
  });
});

describe('docker save from Docker 25', () => {
  it('serves the stored manifests and adds manifest.json RepoTags', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const manifest = JSON.parse(oci.entries.get(m.digest)!.data!.toString());
    const items = [{ Config: `blobs/sha256/${hex(manifest.config.digest)}`, RepoTags: ['registry:2.8.1', 'registry:2'], Layers: [`blobs/sha256/${hex(manifest.layers[0].digest)}`] }];
    const entries = oci.pack([{ ...m, ...named('docker.io/library/registry:2.8.1', '2.8.1') }], [{ name: 'manifest.json', data: items }]);
    const model = await loadImages([await writeArchive(dir, 'docker25.tar', entries)]);
    expect(model.images.map((i) => `${i.repository}:${i.tag}`)).toEqual(['library/registry:2.8.1', 'library/registry:2']);
    expect(model.images.every((i) => i.origin === 'stored' && i.digest === m.digest)).toBe(true);
  });

  it('containerd image store: serves the platforms present, warns about the rest', async () => {
    const oci = new OciLayout();
    const present = oci.image([amd]);
    const absent = new OciLayout().image([arm], { os: 'linux', architecture: 'arm64' });
    const idx = oci.index([
      { ...present, platform: { os: 'linux', architecture: 'amd64' } },
      { ...absent, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const model = await loadImages([await writeArchive(dir, 'containerd.tar', oci.pack([{ ...idx, ...named('docker.io/library/app:1') }]))]);
    expect(model.images[0]).toMatchObject({ digest: idx.digest, platforms: ['linux/amd64'] });
    expect(model.manifests.has(absent.digest)).toBe(false);
    expect(model.warnings).toHaveLength(1);
    expect(model.warnings[0]).toMatch(new RegExp(`platform linux/arm64 ${absent.digest} is not served`));
  });
});
