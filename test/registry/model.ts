// A hand-built image model over a small tar written at test time, so the HTTP suite does not
// depend on any tarball format: blobs live in the tar, manifests are bytes in memory.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MediaType, type Blob, type Descriptor, type ImageModel, type Manifest, type Platform, type Repository } from '../../src/model.js';
import { packTar, tempDir } from '../helpers/pack.js';

export const SBOM_TYPE = 'application/vnd.example.sbom.v1+json';
const BLOCK = 512;

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Deterministic bytes that do not repeat within a block, so a misplaced range shows. */
export function patterned(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface TestImage {
  model: ImageModel;
  tarPath: string;
  layer: Buffer;
  config: Buffer;
  amd64: Manifest;
  arm64: Manifest;
  index: Manifest;
  sbom: Manifest;
  hubApp: Manifest;
  ghcrApp: Manifest;
}

function manifestOf(value: object, extra: Partial<Manifest> = {}): Manifest {
  const bytes = Buffer.from(JSON.stringify(value));
  const mediaType = (value as { mediaType: string }).mediaType;
  return { digest: sha256(bytes), mediaType, bytes, origin: 'stored', ...extra };
}

function describe(m: Manifest, platform?: Platform): Descriptor {
  return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, ...(platform && { platform }) };
}

function imageManifest(mediaType: string, config: Blob, layers: Blob[], configType: string, extra: object = {}): object {
  const layerType = mediaType === MediaType.dockerManifest ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
  return {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: configType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.size })),
    ...extra,
  };
}

/** Writes the blobs into a tar (names short enough for plain ustar headers) and points Sources at them. */
async function writeBlobs(path: string, contents: Buffer[]): Promise<Blob[]> {
  const entries = contents.map((data, i) => ({ name: `blobs/${i}`, data }));
  await packTar(path, entries);
  const blobs: Blob[] = [];
  let offset = 0;
  for (const data of contents) {
    offset += BLOCK;
    blobs.push({ digest: sha256(data), size: data.length, source: { kind: 'tar', path, offset, size: data.length } });
    offset += Math.ceil(data.length / BLOCK) * BLOCK;
  }
  return blobs;
}

function repository(name: string, registry: string, tags: Record<string, string>): Repository {
  return { name, registry, tags: new Map(Object.entries(tags)) };
}

export async function buildTestImage(): Promise<TestImage> {
  const tarPath = join(await tempDir(), 'blobs.tar');
  const layer = patterned(300_001, 7);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const armConfig = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', variant: 'v8' }));
  const appLayer = patterned(4_097, 11);
  const [layerBlob, configBlob, armConfigBlob, appLayerBlob, emptyBlob] = await writeBlobs(tarPath, [layer, config, armConfig, appLayer, Buffer.alloc(0)]);
  if (!layerBlob || !configBlob || !armConfigBlob || !appLayerBlob || !emptyBlob) throw new Error('blobs not written');

  const amd64 = manifestOf(imageManifest(MediaType.ociManifest, configBlob, [layerBlob], MediaType.ociConfig), { platform: { os: 'linux', architecture: 'amd64' } });
  const arm64 = manifestOf(imageManifest(MediaType.ociManifest, armConfigBlob, [layerBlob], MediaType.ociConfig), { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  const children = [describe(amd64, { os: 'linux', architecture: 'amd64' }), describe(arm64, { os: 'linux', architecture: 'arm64', variant: 'v8' })];
  const index = manifestOf({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: children }, { manifests: children });
  const sbomBody = imageManifest(MediaType.ociManifest, emptyBlob, [], SBOM_TYPE, { artifactType: SBOM_TYPE, subject: describe(amd64) });
  const sbom = manifestOf(sbomBody, { subject: amd64.digest, artifactType: SBOM_TYPE });
  const hubApp = manifestOf(imageManifest(MediaType.dockerManifest, configBlob, [appLayerBlob], MediaType.dockerConfig));
  const ghcrApp = manifestOf(imageManifest(MediaType.dockerManifest, configBlob, [layerBlob, appLayerBlob], MediaType.dockerConfig));

  const registryTags = { '2': index.digest, amd64: amd64.digest, ...Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((t) => [t, amd64.digest])) };
  const registryRepo = repository('library/registry', 'docker.io', registryTags);
  const repositories = new Map<string, Repository[]>([
    ['library/registry', [registryRepo]],
    ['registry', [registryRepo]],
    ['org/app', [repository('org/app', 'ghcr.io', { v1: ghcrApp.digest }), repository('org/app', 'docker.io', { v1: hubApp.digest, hub: hubApp.digest })]],
  ]);
  const manifests = new Map([amd64, arm64, index, sbom, hubApp, ghcrApp].map((m) => [m.digest, m]));
  const blobs = new Map([layerBlob, configBlob, armConfigBlob, appLayerBlob, emptyBlob].map((b) => [b.digest, b]));
  const model: ImageModel = { manifests, blobs, repositories, images: [], warnings: [] };
  return { model, tarPath, layer, config, amd64, arm64, index, sbom, hubApp, ghcrApp };
}
