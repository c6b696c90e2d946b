// manifest.json archives: crane tarball, docker save before 25, podman/skopeo docker-archive.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { tempDir } from '../helpers/pack.js';
import { craneEntries, hex, makeConfig, makeLayer, sha256, writeArchive } from './archives.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const base = makeLayer('base');
const app = makeLayer('app');

function manifestOf(model: Awaited<ReturnType<typeof loadImages>>, digest: string): Record<string, any> {
  const m = model.manifests.get(digest);
  if (!m) throw new Error(`no manifest ${digest}`);
  return JSON.parse(m.bytes.toString());
}

describe('crane tarball', () => {
  it('takes layer digests from the file names and labels gzip as gzip', async () => {
    const path = await writeArchive(dir, 'crane.tar', craneEntries(['ghcr.io/org/app:1', 'ghcr.io/org/app:latest'], [base, app]));
    const model = await loadImages([path]);
    expect(model.images.map((i) => `${i.registry}/${i.repository}:${i.tag}`)).toEqual(['ghcr.io/org/app:1', 'ghcr.io/org/app:latest']);
    const [image] = model.images;
    expect(image).toMatchObject({ origin: 'synthesized', platforms: ['linux/amd64'], layers: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const manifest = manifestOf(model, image!.digest);
    expect(manifest.layers.map((l: any) => [l.mediaType, l.digest, l.size])).toEqual([
      ['application/vnd.oci.image.layer.v1.tar+gzip', sha256(base.gzip), base.gzip.length],
      ['application/vnd.oci.image.layer.v1.tar+gzip', sha256(app.gzip), app.gzip.length],
    ]);
    expect(sha256(model.manifests.get(image!.digest)!.bytes)).toBe(image!.digest);
    expect(model.repositories.get('org/app')?.[0]?.registry).toBe('ghcr.io');
    expect(model.repositories.get('org/app')?.[0]?.tags.get('1')).toBe(image!.digest);
  });

  it('points each blob at its bytes inside the tar', async () => {
    const path = await writeArchive(dir, 'crane-src.tar', craneEntries(['app:1'], [base]));
    const model = await loadImages([path]);
    const blob = model.blobs.get(sha256(base.gzip));
    expect(blob?.source).toMatchObject({ kind: 'tar', path, size: base.gzip.length });
    const { readFile } = await import('node:fs/promises');
    const file = await readFile(path);
    const src = blob!.source as { offset: number; size: number };
    expect(file.subarray(src.offset, src.offset + src.size).equals(base.gzip)).toBe(true);
  });
});

describe('docker save before Docker 25', () => {
  it('uses diff_ids for plain layers and follows symlinked repeated layers', async () => {
    const config = makeConfig([base.diffId, base.diffId]);
    const configName = `${hex(sha256(config))}.json`;
    const path = await writeArchive(dir, 'legacy.tar', [
      { name: 'aaa/', type: 'directory' },
      { name: 'aaa/layer.tar', data: base.tar },
      { name: 'bbb/', type: 'directory' },
      { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { name: configName, data: config },
      { name: 'manifest.json', data: [{ Config: configName, RepoTags: ['registry:2.8.1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }] },
      { name: 'repositories', data: { registry: { '2.8.1': 'bbb' } } },
    ]);
    const model = await loadImages([path]);
    const [image] = model.images;
    expect(image).toMatchObject({ registry: 'docker.io', repository: 'library/registry', aliases: ['registry'], tag: '2.8.1' });
    const manifest = manifestOf(model, image!.digest);
    expect(manifest.config.digest).toBe(sha256(config));
    expect(manifest.layers.map((l: any) => [l.mediaType, l.digest])).toEqual([
      ['application/vnd.oci.image.layer.v1.tar', base.diffId],
      ['application/vnd.oci.image.layer.v1.tar', base.diffId],
    ]);
    expect(model.repositories.get('registry')?.[0]?.tags.get('2.8.1')).toBe(image!.digest);
    expect(model.repositories.get('library/registry')?.[0]?.tags.get('2.8.1')).toBe(image!.digest);
  });
});

describe('podman / skopeo docker-archive', () => {
  it('reads fully qualified RepoTags and <diffid>.tar layers', async () => {
    const config = makeConfig([app.diffId], { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const path = await writeArchive(dir, 'podman.tar', [
      { name: `${hex(app.diffId)}.tar`, data: app.tar },
      { name: `${hex(sha256(config))}.json`, data: config },
      { name: 'manifest.json', data: [{ Config: `${hex(sha256(config))}.json`, RepoTags: ['quay.io/team/tool:v2'], Layers: [`${hex(app.diffId)}.tar`] }] },
    ]);
    const model = await loadImages([path]);
    expect(model.images[0]).toMatchObject({ registry: 'quay.io', repository: 'team/tool', tag: 'v2', platforms: ['linux/arm64/v8'], aliases: [] });
    expect(model.blobs.get(app.diffId)?.size).toBe(app.tar.length);
  });

  it('keeps an untagged image reachable by digest under the file name', async () => {
    const path = await writeArchive(dir, 'Untagged_Thing.tar', craneEntries([], [base]));
    const model = await loadImages([path]);
    expect(model.images[0]).toMatchObject({ repository: 'library/untagged-thing', aliases: ['untagged-thing'] });
    expect(model.images[0]!.tag).toBeUndefined();
    expect(model.manifests.has(model.images[0]!.digest)).toBe(true);
    expect(model.repositories.get('untagged-thing')?.[0]?.tags.size).toBe(0);
  });
});

describe('compression', () => {
  it('labels a zstd layer by its magic bytes, whatever its name says', async () => {
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from('frame')]);
    const config = makeConfig([base.diffId]);
    const name = `${hex(sha256(zstd))}.tar.gz`;
    const path = await writeArchive(dir, 'zstd.tar', [
      { name: sha256(config), data: config },
      { name, data: zstd },
      { name: 'manifest.json', data: [{ Config: sha256(config), RepoTags: ['app:z'], Layers: [name] }] },
    ]);
    const model = await loadImages([path]);
    const manifest = manifestOf(model, model.images[0]!.digest);
    expect(manifest.layers[0]).toMatchObject({ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha256(zstd) });
  });

  it('hashes a compressed layer whose name states no digest', async () => {
    const config = makeConfig([base.diffId]);
    const path = await writeArchive(dir, 'noname.tar', [
      { name: 'config.json', data: config },
      { name: 'layer0', data: base.gzip },
      { name: 'manifest.json', data: [{ Config: 'config.json', RepoTags: ['app:n'], Layers: ['layer0'] }] },
    ]);
    const model = await loadImages([path]);
    expect(model.blobs.has(sha256(base.gzip))).toBe(true);
    expect(model.blobs.has(sha256(config))).toBe(true);
  });

  it('hashes a compressed layer named by its diff_id, which is not the digest of its bytes', async () => {
    const config = makeConfig([base.diffId]);
    const name = `${hex(base.diffId)}.tar`;
    const path = await writeArchive(dir, 'diffname.tar', [
      { name: 'c.json', data: config },
      { name, data: base.gzip },
      { name: 'manifest.json', data: [{ Config: 'c.json', RepoTags: ['app:d'], Layers: [name] }] },
    ]);
    const manifest = manifestOf(await loadImages([path]), (await loadImages([path])).images[0]!.digest);
    expect(manifest.layers[0]).toMatchObject({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(base.gzip) });
  });

  it('reads a whole-gzip tarball (image.tar.gz)', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const { gzipSync } = await import('node:zlib');
    const plain = await writeArchive(dir, 'whole.tar', craneEntries(['app:gz'], [base]));
    const gz = `${plain}.gz`;
    await writeFile(gz, gzipSync(await readFile(plain)));
    const model = await loadImages([gz], { tmpDir: dir });
    expect(model.images[0]).toMatchObject({ tarPath: gz, repository: 'library/app', tag: 'gz' });
    expect(model.images[0]!.digest).toBe((await loadImages([plain])).images[0]!.digest);
  });
});

describe('several tarballs', () => {
  it('merges them, and the same image twice is fine', async () => {
    const a = await writeArchive(dir, 'a.tar', craneEntries(['app:1'], [base]));
    const b = await writeArchive(dir, 'b.tar', craneEntries(['app:1', 'other:2'], [base]));
    const model = await loadImages([a, b]);
    // The same image twice is listed once, from the first archive: one pull line, not two.
    expect(model.images.map((i) => `${i.repository}:${i.tag} ${i.tarPath}`)).toEqual([`library/app:1 ${a}`, `library/other:2 ${b}`]);
    expect(model.repositories.get('app')?.[0]?.tags.size).toBe(1);
    expect(model.warnings).toEqual([]);
  });

  it('a tag two archives claim for different images: the first keeps it, the second is served by digest, one warning names both', async () => {
    const a = await writeArchive(dir, 'one.tar', craneEntries(['app:1'], [base]));
    const b = await writeArchive(dir, 'two.tar', craneEntries(['docker.io/library/app:1'], [app]));
    const model = await loadImages([a, b]);
    const [first, second] = model.images;
    expect(model.images.map((i) => [i.tarPath, i.tag])).toEqual([[a, '1'], [b, undefined]]);
    expect(model.repositories.get('library/app')?.[0]?.tags.get('1')).toBe(first!.digest);
    expect(model.manifests.has(second!.digest)).toBe(true);
    expect(model.warnings).toEqual([
      `tag docker.io/library/app:1 is ${first!.digest} in ${a} and ${second!.digest} in ${b}: serving the first (load order), the second by digest only (--strict refuses to start instead)`,
    ]);
  });

  it('--strict refuses a tag claimed by two different images', async () => {
    const a = await writeArchive(dir, 'one.tar', craneEntries(['app:1'], [base]));
    const b = await writeArchive(dir, 'two.tar', craneEntries(['docker.io/library/app:1'], [app]));
    await expect(loadImages([a, b], { strict: true })).rejects.toThrow(/two\.tar: tag docker\.io\/library\/app:1 names sha256:\w+ here but is already claimed by sha256:\w+ in .*one\.tar/);
  });
});
