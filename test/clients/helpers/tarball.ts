// Reads whole (small, test-built) tarballs into memory with tar-stream: independent of the loader under test.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';

export type TarFiles = Map<string, Buffer>;

const normalize = (name: string) => name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');

/** Regular files by normalized name; hard links are resolved to their target's bytes. */
export async function readTarFiles(path: string): Promise<TarFiles> {
  const files: TarFiles = new Map();
  const extract = tar.extract();
  createReadStream(path).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const name = normalize(entry.header.name);
    if (entry.header.type === 'file') files.set(name, Buffer.concat(chunks));
    if (entry.header.type === 'link' && entry.header.linkname) {
      const target = files.get(normalize(entry.header.linkname));
      if (target) files.set(name, target);
    }
  }
  return files;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** A layer's diff_id: the digest of its uncompressed tar, whatever compression it is stored with. */
export function diffIdOf(layer: Buffer): string {
  const gzipped = layer[0] === GZIP_MAGIC[0] && layer[1] === GZIP_MAGIC[1];
  return sha256(gzipped ? gunzipSync(layer) : layer);
}

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

export function parseJSON<T>(files: TarFiles, name: string): T {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`tarball has no ${name}`);
  return JSON.parse(bytes.toString('utf8')) as T;
}
