// `manifest.json` archives: crane tarballs (go-containerregistry pkg/v1/tarball), `docker save` before
// Docker 25 and podman/skopeo `docker-archive`. None stores a manifest, so one is synthesized per image.
//
// Layer digests come from what the archive states: a plain tar layer is its config's diff_id; a
// compressed one is named by its digest (crane's `<hex>.tar.gz`). Only a compressed layer whose name
// states no digest is hashed.
import { LoadError } from '../../load-error.js';
import { type Blob, formatPlatform } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { parseImageConfig } from '../config.js';
import { digestFromEntryName, isSha256Digest, sha256Digest } from '../digest.js';
import { type ArchiveContents, type FoundImage, totalSize } from '../found.js';
import { hashSource } from '../hash.js';
import { MAGIC_LENGTH, SYNTHESIZED, layerMediaType } from '../media.js';
import { type BlobRef, synthesizeManifest } from '../synthesize.js';
import { parseNameList } from './names-entry.js';
import { parseManifestList, type ManifestItem } from './manifest-json.js';

export const MANIFEST_JSON = 'manifest.json';

export async function readDockerArchive(index: TarIndex): Promise<ArchiveContents> {
  const items = parseManifestList(index, await index.readJSON(MANIFEST_JSON));
  const images: FoundImage[] = [];
  for (const item of items) images.push(await readItem(index, item));
  return { images, warnings: [] };
}

async function readItem(index: TarIndex, item: ManifestItem): Promise<FoundImage> {
  const configBytes = await index.readBytes(item.config);
  const config = parseImageConfig(index.parseJSON(item.config, configBytes));
  if (typeof config === 'string') throw new LoadError(index.file, config, item.config);
  if (config.diffIds.length !== item.layers.length) {
    const problem = `config lists ${config.diffIds.length} rootfs.diff_ids but ${MANIFEST_JSON} lists ${item.layers.length} layers`;
    throw new LoadError(index.file, problem, item.config);
  }
  const configBlob: Blob = {
    digest: digestFromEntryName(item.config) ?? sha256Digest(configBytes),
    size: configBytes.length,
    source: index.source(item.config),
  };
  // Every layer's first bytes at once (they tell its compression): one read after another was a round
  // trip through libuv's thread pool each, the most of a start on an archive of many layers.
  const heads = await Promise.all(item.layers.map((name) => index.readHead(name, MAGIC_LENGTH)));
  const layers: Array<BlobRef & { blob: Blob }> = [];
  for (const [i, name] of item.layers.entries()) layers.push(await readLayer(index, name, config.diffIds[i]!, heads[i]!));
  const configRef = { mediaType: SYNTHESIZED.config, digest: configBlob.digest, size: configBlob.size };
  const manifest = synthesizeManifest(configRef, layers, config.platform);
  const blobs = [configBlob, ...layers.map((l) => l.blob)];
  return {
    top: manifest,
    manifests: [manifest],
    blobs,
    names: parseNameList(index, MANIFEST_JSON, item.repoTags),
    bareTags: [],
    platforms: [formatPlatform(config.platform)],
    layers: layers.length,
    size: totalSize(blobs),
  };
}

async function readLayer(index: TarIndex, name: string, diffId: string, head: Buffer): Promise<BlobRef & { blob: Blob }> {
  const source = index.source(name);
  const mediaType = layerMediaType(head);
  const compressed = mediaType !== SYNTHESIZED.layer.none;
  if (!compressed && !isSha256Digest(diffId)) throw new LoadError(index.file, `invalid diff_id "${diffId}" for this layer`, name);
  // A compressed layer named by its diff_id (the uncompressed digest) states no digest of these bytes.
  const named = digestFromEntryName(name);
  const stated = named !== undefined && named !== diffId ? named : undefined;
  const digest = compressed ? (stated ?? (await hashSource(source))) : diffId;
  return { mediaType, digest, size: source.size, blob: { digest, size: source.size, source } };
}
