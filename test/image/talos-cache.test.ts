// Talos' image cache (`talosctl images cache-create`): the flat folder (--layout flat), a tar of it,
// and the default OCI form (one image whose gzipped layer is the flat cache). Built at test time from
// the layout in Talos' source (test/image/talos-layout.ts names the files read): Talos is not in Debian.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { LoadError } from '../../src/load-error.js';
import type { ImageModel } from '../../src/model.js';
import type { PackEntry } from '../helpers/pack.js';
import { pull } from '../registry/oracle.js';
import { servingFixture } from '../registry/serve.js';
import { hex, makeLayer, sha256, writeArchive } from './archives.js';
import { type Described, TalosCache, wrapAsCraneTarball, wrapAsOci, writeTree } from './talos-layout.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

const fixture = servingFixture();

async function loadError(path: string): Promise<string> {
  const error = await loadImages([path]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadError);
  expect((error as LoadError).message).not.toContain('\n');
  return (error as LoadError).message;
}

/** The cache a `talosctl images cache-create` of four images would leave (platform linux/amd64). */
function exampleCache(): { cache: TalosCache; registry: Described; signature: Described; amd: Described; arm: Described; multi: Described; pause: Described; byDigest: Described } {
  const cache = new TalosCache();
  const registry = cache.image([makeLayer('registry-1'), makeLayer('registry-2')], AMD64, DOCKER_MANIFEST);
  cache.tag('docker.io/library/registry', '2.8.1', registry);
  // --cosign-signatures (on by default): the signature by its cosign tag, in the image's folder.
  const signature = cache.image([makeLayer('simple-signing payload')], { os: '', architecture: '' });
  cache.tag('docker.io/library/registry', `sha256-${hex(registry.digest)}.sig`, signature);
  const amd = cache.image([makeLayer('multi-amd64')], AMD64);
  // arm64 is listed by the index but not cached: cache-create fetched only linux/amd64.
  const arm = new TalosCache().image([makeLayer('multi-arm64')], ARM64);
  const multi = cache.index([{ manifest: amd, platform: AMD64 }, { manifest: arm, platform: ARM64 }]);
  cache.tag('ghcr.io/org/multi', '1.0', multi, [amd]);
  const pause = cache.image([makeLayer('pause')]);
  cache.tag('registry.k8s.io/pause', '3.10', pause).tag('registry.k8s.io/pause', 'latest', pause);
  const byDigest = cache.image([makeLayer('pinned')]);
  cache.byDigest('localhost_5000_/team/app', byDigest);
  return { cache, registry, signature, amd, arm, multi, pause, byDigest };
}

function names(model: ImageModel): string[] {
  return model.images.map((i) => `${i.registry}/${i.repository}${i.tag === undefined ? '' : `:${i.tag}`}@${i.digest.slice(7, 15)}`);
}

describe('Talos flat cache (--layout flat)', () => {
  const ex = exampleCache();
  let root: string;
  let model: ImageModel;
  beforeAll(async () => {
    root = await writeTree(join(fixture.dir, 'flat'), ex.cache.entries());
    model = await loadImages([root]);
  });

  it('names every image by its registry, repository and tag; a manifest cached only by digest is untagged', () => {
    expect(names(model).sort()).toEqual(
      [
        `docker.io/library/registry:2.8.1@${ex.registry.digest.slice(7, 15)}`,
        `docker.io/library/registry:sha256-${hex(ex.registry.digest)}.sig@${ex.signature.digest.slice(7, 15)}`,
        `ghcr.io/org/multi:1.0@${ex.multi.digest.slice(7, 15)}`,
        `localhost:5000/team/app@${ex.byDigest.digest.slice(7, 15)}`,
        `registry.k8s.io/pause:3.10@${ex.pause.digest.slice(7, 15)}`,
        `registry.k8s.io/pause:latest@${ex.pause.digest.slice(7, 15)}`,
      ].sort(),
    );
  });

  it('serves manifests as stored, with their media types; blobs read from blob/ files', () => {
    for (const m of [ex.registry, ex.signature, ex.multi, ex.amd, ex.pause, ex.byDigest]) {
      const served = model.manifests.get(m.digest);
      expect(served?.bytes.equals(m.bytes)).toBe(true);
      expect(served?.mediaType).toBe(m.mediaType);
    }
    const sources = [...model.blobs.values()].map((b) => b.source);
    expect(sources.length).toBe(11);
    expect(sources.every((s) => s.kind === 'file' && s.path.startsWith(join(root, 'blob/sha256-')))).toBe(true);
  });

  it('one warning for the platforms an index lists but the cache lacks', () => {
    expect(model.warnings).toEqual([`${root}: 1 image index lists platforms the cache does not hold (linux/arm64/v8; cache-create keeps only its --platform, linux/amd64 by default): not served`]);
  });

  it('pulls each image through the registry, every byte re-hashed', async () => {
    const s = await fixture.serve(model);
    expect((await pull(s.pool, 'library/registry', '2.8.1')).blobs).toHaveLength(3);
    expect((await pull(s.pool, 'registry', '2.8.1')).manifests).toEqual([ex.registry.digest]);
    expect((await pull(s.pool, 'org/multi', ex.amd.digest)).blobs).toHaveLength(2);
    expect((await s.pool.request({ method: 'GET', path: '/v2/org/multi/manifests/1.0?ns=ghcr.io' })).statusCode).toBe(200);
    expect((await pull(s.pool, 'pause', '3.10')).manifests).toEqual([ex.pause.digest]);
    expect((await pull(s.pool, 'team/app', ex.byDigest.digest)).blobs).toHaveLength(2);
  });

  it('an index cached by digest only: one untagged image, its child under it, not beside it', async () => {
    const cache = new TalosCache();
    const child = cache.image([makeLayer('pinned-index-child')]);
    const index = cache.index([{ manifest: child, platform: AMD64 }]);
    cache.byDigest('ghcr.io/org/pinned', child).byDigest('ghcr.io/org/pinned', index);
    const pinned = await loadImages([await writeTree(join(fixture.dir, 'pinned'), cache.entries())]);
    expect(names(pinned)).toEqual([`ghcr.io/org/pinned@${index.digest.slice(7, 15)}`]);
    expect(pinned.manifests.has(child.digest)).toBe(true);
  });

  it('a tar of the folder serves the same images', async () => {
    const tarred = await loadImages([await writeArchive(fixture.dir, 'flat-cache.tar', ex.cache.entries())]);
    expect(names(tarred).sort()).toEqual(names(model).sort());
    expect([...tarred.blobs.values()].every((b) => b.source.kind === 'tar')).toBe(true);
  });
});

describe('Talos cache image (--layout oci, the default)', () => {
  const ex = exampleCache();

  it('an OCI layout folder holding the cache image serves the images inside, not the wrapper', async () => {
    const root = await writeTree(join(fixture.dir, 'image-cache.oci'), await wrapAsOci(ex.cache, fixture.dir));
    const model = await loadImages([root]);
    expect(names(model).sort()).toEqual(names(await loadImages([await writeTree(join(fixture.dir, 'flat-2'), ex.cache.entries())])).sort());
    expect(model.images[0]?.tarPath).toMatch(/ \(blobs\/sha256\/[a-f0-9]{64}, the image cache layer\)$/);
    const s = await fixture.serve(model);
    expect((await pull(s.pool, 'library/registry', '2.8.1')).blobs).toHaveLength(3);
  });

  it('a tar of the layout, and a plain (uncompressed) layer indexed in place', async () => {
    const tarred = await loadImages([await writeArchive(fixture.dir, 'image-cache.oci.tar', await wrapAsOci(ex.cache, fixture.dir))]);
    expect(tarred.images.map((i) => i.repository).sort()).toEqual(['library/registry', 'library/registry', 'org/multi', 'pause', 'pause', 'team/app']);
    // `tar -cf cache.tar image-cache.oci`: the layout in a folder of the tar.
    const nested = (await wrapAsOci(ex.cache, fixture.dir)).map((e) => ({ ...e, name: `image-cache.oci/${e.name}` }));
    const inFolder = await loadImages([await writeArchive(fixture.dir, 'nested-cache.tar', nested)]);
    expect(inFolder.images.map((i) => i.repository).sort()).toEqual(tarred.images.map((i) => i.repository).sort());
    expect(inFolder.images[0]?.tarPath).toMatch(/nested-cache\.tar \(layout image-cache\.oci\/\) \(blobs\/sha256\/[a-f0-9]{64}, the image cache layer\)$/);
    const plain = await loadImages([await writeTree(join(fixture.dir, 'plain.oci'), await wrapAsOci(ex.cache, fixture.dir, false))]);
    const layer = [...plain.blobs.values()].map((b) => b.source);
    expect(layer.every((s) => s.kind === 'tar' && s.path.startsWith(join(fixture.dir, 'plain.oci', 'blobs/sha256/')))).toBe(true);
    const s = await fixture.serve(plain);
    expect((await pull(s.pool, 'pause', 'latest')).blobs).toHaveLength(2);
  });

  it('pushed and pulled back as a crane tarball: the cache inside is served, not my.registry/image-cache', async () => {
    const model = await loadImages([await writeArchive(fixture.dir, 'image-cache-crane.tar', await wrapAsCraneTarball(ex.cache, fixture.dir))]);
    expect(names(model).sort()).toEqual(names(await loadImages([await writeTree(join(fixture.dir, 'flat-3'), ex.cache.entries())])).sort());
    expect(model.images[0]?.tarPath).toMatch(/image-cache-crane\.tar \([a-f0-9]{64}\.tar\.gz, the image cache layer\)$/);
  });

  it('an ordinary single-layer image in a layout is still served as itself', async () => {
    const other = new TalosCache();
    const image = other.image([makeLayer('app')]);
    const entries: PackEntry[] = [
      { name: 'oci-layout', data: { imageLayoutVersion: '1.0.0' } },
      { name: 'index.json', data: { schemaVersion: 2, manifests: [{ mediaType: image.mediaType, digest: image.digest, size: image.size, annotations: { 'org.opencontainers.image.ref.name': 'ghcr.io/org/app:1' } }] } },
      { name: `blobs/sha256/${hex(image.digest)}`, data: image.bytes },
      ...[...other.files].map(([name, data]) => ({ name: `blobs/sha256/${name.slice('blob/sha256-'.length)}`, data })),
    ];
    const model = await loadImages([await writeTree(join(fixture.dir, 'ordinary'), entries)]);
    expect(names(model)).toEqual([`ghcr.io/org/app:1@${image.digest.slice(7, 15)}`]);
  });
});

describe('a broken Talos cache: one line naming the file', () => {
  it('a manifest naming a blob the cache lacks', async () => {
    const ex = exampleCache();
    const layer = `blob/sha256-${hex(sha256(makeLayer('registry-2').gzip))}`;
    expect(ex.cache.files.delete(layer)).toBe(true);
    const root = await writeTree(join(fixture.dir, 'missing-blob'), ex.cache.entries());
    expect(await loadError(root)).toMatch(new RegExp(`^${root}: ${layer}: listed in manifests/docker.io/library/registry/digest/sha256-${hex(ex.registry.digest)} but missing from the archive$`));
  });

  it('folders nested past any repository name: refused, not walked', async () => {
    const deep = join(fixture.dir, 'deep-cache');
    await mkdir(join(deep, 'blob'), { recursive: true });
    await mkdir(join(deep, 'manifests', ...Array.from({ length: 45 }, (_, i) => `d${i}`)), { recursive: true });
    expect(await loadError(deep)).toMatch(new RegExp(`^${deep}: manifests/d0/d1/[d0-9/]+: folders nested more than 40 deep in a Talos image cache$`));
  });

  it('a tag file that is not JSON', async () => {
    const root = await writeTree(join(fixture.dir, 'not-json'), [{ name: 'blob/.keep', data: '' }, { name: 'manifests/ghcr.io/org/z/reference/1', data: 'not json' }]);
    expect(await loadError(root)).toMatch(new RegExp(`^${root}: manifests/ghcr.io/org/z/reference/1: invalid JSON at byte 0`));
  });

  it('a tag whose digest file is missing', async () => {
    const cache = new TalosCache();
    const image = cache.image([makeLayer('x')]);
    cache.tag('ghcr.io/org/x', '1', image);
    cache.files.delete(`manifests/ghcr.io/org/x/digest/sha256-${hex(image.digest)}`);
    const root = await writeTree(join(fixture.dir, 'missing-digest'), cache.entries());
    expect(await loadError(root)).toBe(`${root}: manifests/ghcr.io/org/x/digest/sha256-${hex(image.digest)}: listed in manifests/ghcr.io/org/x/reference/1 but missing from the archive`);
  });

  it('a tag file whose bytes differ from the digest file', async () => {
    const cache = new TalosCache();
    const image = cache.image([makeLayer('y')]);
    cache.tag('ghcr.io/org/y', '1', image);
    const digestFile = `manifests/ghcr.io/org/y/digest/sha256-${hex(image.digest)}`;
    const tampered = Buffer.from(image.bytes);
    tampered[tampered.length - 2] = 0x20;
    cache.files.set(digestFile, tampered);
    const root = await writeTree(join(fixture.dir, 'tampered'), cache.entries());
    expect(await loadError(root)).toBe(`${root}: manifests/ghcr.io/org/y/reference/1: differs from ${digestFile}, which must hold the same bytes`);
  });
});
