// OCI layouts inside an archive (Zarf packages), both metadata sets in one tar (regctl export),
// hauler stores with cosign artifacts and OCI 1.1 referrers: loaded, then served and pulled.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { LoadedArchives } from '../../src/image/archive-cache.js';
import { LoadError } from '../../src/load-error.js';
import { pull } from '../registry/oracle.js';
import { servingFixture } from '../registry/serve.js';
import { OciLayout, hex, makeLayer, writeArchive } from './archives.js';
import { ANNOTATION, cosignSignature, cosignTag, haulerStore, referrer, regctlExport, under, zarfPackage } from './tool-layouts.js';

const fixture = servingFixture();

const amd = makeLayer('amd64');
const arm = makeLayer('arm64');
const AMD = { os: 'linux', architecture: 'amd64' };
const ARM = { os: 'linux', architecture: 'arm64' };

function multiArch(oci: OciLayout) {
  return oci.index([
    { ...oci.image([amd], AMD), platform: AMD },
    { ...oci.image([arm], ARM), platform: ARM },
  ]);
}

async function loadError(paths: string[]): Promise<string> {
  const error = await loadImages(paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadError);
  const message = (error as LoadError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('Zarf package (an OCI layout in images/)', () => {
  it('serves each image under the full reference Zarf wrote in base.name', async () => {
    const oci = new OciLayout();
    const registry = oci.image([amd]);
    const multi = multiArch(oci);
    const entries = zarfPackage(oci, [
      { ref: 'docker.io/library/registry:2.8.1', image: registry },
      { ref: 'ghcr.io/org/multi:1.0', image: multi },
    ]);
    const tarPath = await writeArchive(fixture.dir, 'zarf-package-seed-amd64.tar', entries);
    const archives = new LoadedArchives();
    const model = await loadImages([tarPath], { archives });
    // Served files are checked by the path blobs are read from, not the label naming the layout in the tar.
    expect(model.images[0]!.tarPath).not.toBe(tarPath);
    expect(new Set([...model.blobs.values()].map((b) => (b.source.kind === 'tar' ? b.source.path : b.source.kind)))).toEqual(new Set([tarPath]));
    expect([...archives.identities().keys()]).toEqual([tarPath]);
    expect(model.images.map((i) => [i.registry, i.repository, i.tag, i.digest])).toEqual([
      ['docker.io', 'library/registry', '2.8.1', registry.digest],
      ['ghcr.io', 'org/multi', '1.0', multi.digest],
    ]);
    expect(model.repositories.get('registry')?.[0]?.registry).toBe('docker.io');
    const s = await fixture.serve(model);
    const pulled = await pull(s.pool, 'library/registry', '2.8.1');
    expect(pulled.manifests).toEqual([registry.digest]);
    expect((await pull(s.pool, 'org/multi', '1.0')).manifests).toHaveLength(3);
    const ns = await s.pool.request({ method: 'HEAD', path: '/v2/library/registry/manifests/2.8.1?ns=docker.io' });
    await ns.body.dump();
    expect(ns.statusCode).toBe(200);
  });

  it('as Zarf ships it, a .tar.zst (compressed with Debian\'s zstd)', async () => {
    const oci = new OciLayout();
    const registry = oci.image([amd]);
    const tar = await writeArchive(fixture.dir, 'zarf-package-zst-amd64.tar', zarfPackage(oci, [{ ref: 'docker.io/library/registry:2.8.1', image: registry }]));
    execFileSync('zstd', ['-q', '-f', '--rm', tar, '-o', `${tar}.zst`]);
    const model = await loadImages([`${tar}.zst`]);
    expect(model.images.map((i) => [i.repository, i.tag, i.digest])).toEqual([['library/registry', '2.8.1', registry.digest]]);
    const s = await fixture.serve(model);
    // The decompressed copy is the seed's own: never taken for a served file that changed.
    expect(s.registry.changedFiles()).toEqual([]);
    expect((await pull(s.pool, 'registry', '2.8.1')).manifests).toEqual([registry.digest]);
  });

  it('reads base.name only beside a zarf.yaml: elsewhere it names the base image', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const top = [{ ...m, annotations: { [ANNOTATION.baseName]: 'docker.io/library/debian:12', [ANNOTATION.refName]: 'ghcr.io/org/app:1' } }];
    const model = await loadImages([await writeArchive(fixture.dir, 'nested.tar', under('build/out/', oci.pack(top)))]);
    expect(model.images.map((i) => `${i.registry}/${i.repository}:${i.tag}`)).toEqual(['ghcr.io/org/app:1']);
  });

  it('a blob index.json names but the layout lacks: one line naming the layout and the blob', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const entries = zarfPackage(oci, [{ ref: 'docker.io/library/registry:2.8.1', image: m }]);
    const layerPath = `images/blobs/sha256/${hex(oci.blob(amd.gzip).digest)}`;
    const path = await writeArchive(fixture.dir, 'zarf-missing.tar', entries.filter((e) => e.name !== layerPath));
    expect(await loadError([path])).toBe(`${path} (layout images/): ${layerPath.slice('images/'.length)}: listed in blobs/sha256/${hex(m.digest)} but missing from the archive`);
  });

  it('two layouts in one tar claiming one tag: one line naming both', async () => {
    const a = new OciLayout();
    const b = new OciLayout();
    const named = (d: object) => [{ ...d, annotations: { [ANNOTATION.refName]: 'docker.io/library/app:1' } }];
    const entries = [...under('a/', a.pack(named(a.image([amd])))), ...under('b/', b.pack(named(b.image([arm], ARM))))];
    const path = await writeArchive(fixture.dir, 'two-layouts.tar', entries);
    expect(await loadError([path])).toMatch(new RegExp(`^${path} \\(layout b/\\): tag docker.io/library/app:1 names sha256:\\w+ here but is already claimed by sha256:\\w+ in ${path} \\(layout a/\\)$`));
  });
});

describe('regctl image export (manifest.json and an OCI layout)', () => {
  it('serves the stored manifest once, named from both sets without a second tag', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const manifest = JSON.parse(oci.entries.get(m.digest)!.data!.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const entries = regctlExport(oci, 'docker.io/library/alpine:3.19', '3.19', m, manifest.config.digest, manifest.layers.map((l) => l.digest));
    const model = await loadImages([await writeArchive(fixture.dir, 'regctl.tar', entries)]);
    expect(model.images).toHaveLength(1);
    expect(model.images[0]).toMatchObject({ repository: 'library/alpine', tag: '3.19', digest: m.digest, origin: 'stored' });
    expect([...model.manifests.values()].every((x) => x.origin === 'stored')).toBe(true);
  });
});

describe('hauler store with cosign artifacts and OCI 1.1 referrers', () => {
  it('keeps signatures, attestations, SBOMs reachable by tag, by digest and through the referrers API', async () => {
    const oci = new OciLayout();
    const image = multiArch(oci);
    const ref = 'index.docker.io/library/busybox:1.36';
    const sig = cosignSignature(oci, image, 'index.docker.io/library/busybox');
    const att = cosignSignature(oci, image, 'index.docker.io/library/busybox-att');
    const sbom = cosignSignature(oci, image, 'index.docker.io/library/busybox-sbom');
    const SPDX = 'application/spdx+json';
    const spdx = referrer(oci, image, SPDX);
    const cosignRef = (suffix: 'sig' | 'att' | 'sbom') => `index.docker.io/library/busybox:${cosignTag(image.digest, suffix)}`;
    const entries = haulerStore(oci, [
      { ref, image, kind: 'dev.hauler/imageIndex' },
      { ref: cosignRef('sig'), image: sig, kind: 'dev.hauler/sigs' },
      { ref: cosignRef('att'), image: att, kind: 'dev.hauler/atts' },
      { ref: cosignRef('sbom'), image: sbom, kind: 'dev.hauler/sboms' },
      { ref: `index.docker.io/library/busybox@${spdx.digest}`, image: spdx, kind: `dev.hauler/referrers/${hex(spdx.digest)}` },
    ]);
    const model = await loadImages([await writeArchive(fixture.dir, 'haul.tar', entries)]);
    const tags = model.repositories.get('library/busybox')![0]!.tags;
    expect(Object.fromEntries(tags)).toEqual({
      '1.36': image.digest,
      [cosignTag(image.digest, 'sig')]: sig.digest,
      [cosignTag(image.digest, 'att')]: att.digest,
      [cosignTag(image.digest, 'sbom')]: sbom.digest,
    });
    expect(model.images.find((i) => i.digest === sig.digest)?.platforms).toEqual([]);
    const s = await fixture.serve(model);
    for (const suffix of ['sig', 'att', 'sbom'] as const) {
      expect((await pull(s.pool, 'library/busybox', cosignTag(image.digest, suffix))).manifests).toHaveLength(1);
    }
    const byDigest = await s.pool.request({ method: 'GET', path: `/v2/busybox/manifests/${spdx.digest}` });
    expect(byDigest.statusCode).toBe(200);
    expect(Buffer.from(await byDigest.body.arrayBuffer()).length).toBe(spdx.size);
    const referrers = await s.pool.request({ method: 'GET', path: `/v2/library/busybox/referrers/${image.digest}` });
    expect(await referrers.body.json()).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: spdx.mediaType, digest: spdx.digest, size: spdx.size, artifactType: SPDX, annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } }],
    });
  });
});
