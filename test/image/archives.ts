// Builders for small image archives in each format, packed with tar-stream at test time.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type PackEntry, packTar } from '../helpers/pack.js';

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hex = (digest: string): string => digest.slice('sha256:'.length);

/** A layer: a tiny tar holding one file, plain and gzipped. */
export function makeLayer(content: string): { tar: Buffer; gzip: Buffer; diffId: string } {
  // A real tar is not needed by the loader; distinct bytes are. 512 bytes so it is not mistaken for gzip.
  const tar = Buffer.alloc(512, 0);
  tar.write(content);
  return { tar, gzip: gzipSync(tar), diffId: sha256(tar) };
}

export function makeConfig(diffIds: string[], platform = { os: 'linux', architecture: 'amd64' } as Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify({ ...platform, config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
}

export interface ArchiveFile {
  path: string;
  entries: PackEntry[];
}

/** crane tarball: `sha256:<hex>` config, `<hex>.tar.gz` layers. */
export function craneEntries(repoTags: string[], layers: ReturnType<typeof makeLayer>[]): PackEntry[] {
  const config = makeConfig(layers.map((l) => l.diffId));
  const layerNames = layers.map((l) => `${hex(sha256(l.gzip))}.tar.gz`);
  return [
    { name: sha256(config), data: config },
    ...layers.map((l, i) => ({ name: layerNames[i]!, data: l.gzip })),
    { name: 'manifest.json', data: [{ Config: sha256(config), RepoTags: repoTags, Layers: layerNames }] },
  ];
}

/** OCI image layout: blobs/sha256/<hex>, index.json, oci-layout. Returns the entries and manifest digests. */
export class OciLayout {
  readonly entries = new Map<string, PackEntry>();

  blob(data: Buffer | string): { digest: string; size: number } {
    const bytes = Buffer.from(data);
    const digest = sha256(bytes);
    this.entries.set(digest, { name: `blobs/sha256/${hex(digest)}`, data: bytes });
    return { digest, size: bytes.length };
  }

  image(layers: ReturnType<typeof makeLayer>[], platform = { os: 'linux', architecture: 'amd64' }): { mediaType: string; digest: string; size: number } {
    const config = this.blob(makeConfig(layers.map((l) => l.diffId), platform));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...this.blob(l.gzip) })),
    };
    // Whitespace on purpose: stored bytes must be served as they are, not re-serialized.
    return { mediaType: manifest.mediaType, ...this.blob(JSON.stringify(manifest, null, 3)) };
  }

  index(children: object[]): { mediaType: string; digest: string; size: number } {
    const mediaType = 'application/vnd.oci.image.index.v1+json';
    return { mediaType, ...this.blob(JSON.stringify({ schemaVersion: 2, mediaType, manifests: children })) };
  }

  pack(topLevel: object[], extra: PackEntry[] = []): PackEntry[] {
    return [
      { name: 'oci-layout', data: { imageLayoutVersion: '1.0.0' } },
      { name: 'index.json', data: { schemaVersion: 2, manifests: topLevel } },
      ...this.entries.values(),
      ...extra,
    ];
  }
}

export async function writeArchive(dir: string, name: string, entries: PackEntry[]): Promise<string> {
  return packTar(join(dir, name), entries);
}
