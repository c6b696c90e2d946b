// hauler hauls as `hauler store save` writes them, built here from hauler's source (hauler-dev/hauler:
// pkg/consts/consts.go, pkg/store/store.go writeImage / saveRelatedArtifacts / saveReferrers,
// cmd/hauler/cli/store/save.go writeContainerdIndexes / writeExportsManifest, load.go; pull request
// 746 at commit bedd246 for the hauler-index.json sidecar, release v2.0.3 for hauls without
// oci-layout). hauler stores cosign artifacts and referrers under their IMAGE's reference, told apart
// by the `kind` annotation; `store copy` pushes them as `sha256-<hex>.sig|.att|.sbom` and by digest.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import type { PackEntry } from '../helpers/pack.js';
import { pull } from '../registry/oracle.js';
import { servingFixture } from '../registry/serve.js';
import { OciLayout, hex, makeLayer, writeArchive } from './archives.js';
import { type HaulerItem, cosignSignature, cosignTag, haulerSave, referrer, under } from './tool-layouts.js';

const fixture = servingFixture();

const REF = 'docker.io/library/busybox:1.36';
const SPDX = 'application/spdx+json';

/** A store with a two-platform image, its cosign signature, attestation and SBOM, a referrer, a file. */
function store() {
  const oci = new OciLayout();
  const amd = oci.image([makeLayer('amd64')]);
  const arm = oci.image([makeLayer('arm64')], { os: 'linux', architecture: 'arm64' });
  const image = oci.index([
    { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
    { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  const sig = cosignSignature(oci, image, 'docker.io/library/busybox');
  const att = cosignSignature(oci, image, 'docker.io/library/busybox-att');
  const sbom = cosignSignature(oci, image, 'docker.io/library/busybox-sbom');
  const spdx = referrer(oci, image, SPDX);
  const fileConfig = oci.blob('{}');
  const fileLayer = oci.blob('hello from hauler\n');
  const fileManifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.content.hauler.file.local.config.v1+json', ...fileConfig },
    layers: [{ mediaType: 'application/vnd.content.hauler.file.layer.v1', ...fileLayer, annotations: { 'org.opencontainers.image.title': 'notes.txt' } }],
  };
  const file = { mediaType: fileManifest.mediaType, ...oci.blob(JSON.stringify(fileManifest)) };
  const items: HaulerItem[] = [
    { image, kind: 'dev.hauler/imageIndex', ref: REF },
    { image: sig, kind: 'dev.hauler/sigs', ref: REF },
    { image: att, kind: 'dev.hauler/atts', ref: REF },
    { image: sbom, kind: 'dev.hauler/sboms', ref: REF },
    { image: spdx, kind: `dev.hauler/referrers/${hex(spdx.digest)}`, ref: REF },
    { image: file, kind: 'dev.hauler/image', ref: 'hauler/notes.txt:latest', file: true },
  ];
  const config = (m: { digest: string }) => (JSON.parse(oci.entries.get(m.digest)!.data!.toString()) as { config: { digest: string } }).config.digest;
  // writeExportsManifest: one record per platform of the index, tagged with the familiar name.
  const manifestJson = [amd, arm].map((m) => ({ Config: `blobs/sha256/${hex(config(m))}`, RepoTags: ['busybox:1.36'], Layers: [] }));
  return { oci, items, manifestJson, image, sig, att, sbom, spdx, file };
}

/** The entries written as files under `fixture.dir/name`: an unpacked haul, or hauler's store folder. */
async function unpack(name: string, entries: PackEntry[]): Promise<string> {
  const folder = join(fixture.dir, name);
  for (const e of entries) {
    await mkdir(join(folder, e.name, '..'), { recursive: true });
    await writeFile(join(folder, e.name), Buffer.isBuffer(e.data) || typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
  }
  return folder;
}

async function expectServedAsHaulerCopies(model: ImageModel, s: ReturnType<typeof store>): Promise<void> {
  expect(Object.fromEntries(model.repositories.get('library/busybox')![0]!.tags)).toEqual({
    '1.36': s.image.digest,
    [cosignTag(s.image.digest, 'sig')]: s.sig.digest,
    [cosignTag(s.image.digest, 'att')]: s.att.digest,
    [cosignTag(s.image.digest, 'sbom')]: s.sbom.digest,
  });
  expect(Object.fromEntries(model.repositories.get('hauler/notes.txt')![0]!.tags)).toEqual({ latest: s.file.digest });
  const running = await fixture.serve(model);
  expect((await pull(running.pool, 'library/busybox', '1.36')).manifests).toHaveLength(3);
  for (const suffix of ['sig', 'att', 'sbom'] as const) {
    expect((await pull(running.pool, 'busybox', cosignTag(s.image.digest, suffix))).manifests).toHaveLength(1);
  }
  const byDigest = await running.pool.request({ method: 'GET', path: `/v2/library/busybox/manifests/${s.spdx.digest}` });
  expect(byDigest.statusCode).toBe(200);
  expect(Buffer.from(await byDigest.body.arrayBuffer()).length).toBe(s.spdx.size);
  const referrers = await running.pool.request({ method: 'GET', path: `/v2/library/busybox/referrers/${s.image.digest}` });
  const listed = (await referrers.body.json()) as { manifests: Array<{ digest: string; artifactType: string }> };
  expect(listed.manifests.map((m) => [m.digest, m.artifactType])).toEqual([[s.spdx.digest, SPDX]]);
}

describe('hauler store save --containerd (index.json filtered, hauler-index.json beside it)', () => {
  it('reads the sidecar: signatures, attestations, SBOMs, referrers and files stay reachable, each tag once', async () => {
    const s = store();
    const entries = haulerSave(s.oci, s.items, s.manifestJson, { containerd: true });
    const filtered = entries.find((e) => e.name === 'index.json')!.data as { manifests: unknown[] };
    expect(filtered.manifests).toHaveLength(1);
    const model = await loadImages([await writeArchive(fixture.dir, 'haul-containerd.tar', entries)]);
    expect(model.warnings).toEqual([]);
    await expectServedAsHaulerCopies(model, s);
  });

  it('reads the sidecar of an unpacked haul (a layout folder) too', async () => {
    const s = store();
    const folder = await unpack('haul-folder', haulerSave(s.oci, s.items, s.manifestJson, { containerd: true }));
    await expectServedAsHaulerCopies(await loadImages([folder]), s);
  });
});

describe('hauler v2 hauls as released (no oci-layout, one index.json)', () => {
  it('loads a default save and names cosign artifacts by their image digest, not the image tag', async () => {
    const s = store();
    const model = await loadImages([await writeArchive(fixture.dir, 'haul-v2.tar', haulerSave(s.oci, s.items, s.manifestJson, { v2: true }))]);
    await expectServedAsHaulerCopies(model, s);
  });

  it('loads a --containerd save (oci-layout removed, nothing filtered)', async () => {
    const s = store();
    const model = await loadImages([await writeArchive(fixture.dir, 'haul-v2-ctr.tar', haulerSave(s.oci, s.items, s.manifestJson, { v2: true, containerd: true }))]);
    await expectServedAsHaulerCopies(model, s);
  });

  it('serves a hauler store folder (index.json and blobs/, no oci-layout) as one layout', async () => {
    const s = store();
    const entries = haulerSave(s.oci, s.items, [], { v2: true }).filter((e) => e.name !== 'manifest.json');
    await expectServedAsHaulerCopies(await loadImages([await unpack('store', entries)]), s);
  });

  it('serves a hauler store tarred with its folder (tar -cf store.tar store/), and still ignores a plain folder holding index.json', async () => {
    const s = store();
    const entries = haulerSave(s.oci, s.items, [], { v2: true }).filter((e) => e.name !== 'manifest.json');
    const plain = { name: 'notes/index.json', data: { manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: s.file.digest, size: s.file.size }] } };
    const model = await loadImages([await writeArchive(fixture.dir, 'store-in-folder.tar', [...under('store/', entries), plain])]);
    expect(model.warnings).toEqual([]);
    await expectServedAsHaulerCopies(model, s);
  });

  it('serves a signature whose image is not in the store by digest only, with a warning', async () => {
    const s = store();
    const orphan = s.items.filter((i) => i.kind !== 'dev.hauler/imageIndex');
    const model = await loadImages([await writeArchive(fixture.dir, 'haul-orphan.tar', haulerSave(s.oci, orphan, [], { v2: true }))]);
    expect(model.repositories.get('library/busybox')![0]!.tags.size).toBe(0);
    expect(model.warnings.join('\n')).toContain(`${s.sig.digest} (dev.hauler/sigs) names docker.io/library/busybox:1.36, which no image in the index has`);
    expect(model.manifests.has(s.sig.digest)).toBe(true);
  });
});
