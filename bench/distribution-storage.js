// distribution's filesystem storage written directly from a generated image (bench/images.js): the
// herd serves it over plain HTTP (bench/herd.js) and over HTTPS (bench/herd-tls.js).
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** distribution's filesystem storage written directly: the very blobs of the tarball, uncompressed as
 * seed-registry serves them (a skopeo import would gzip them, and the nodes would then gunzip). */
export async function writeDistributionStorage(image, root) {
  const v2 = join(root, 'docker/registry/v2');
  const repo = join(v2, 'repositories', image.repository);
  const link = (path, digest) => { mkdirSync(path, { recursive: true }); writeFileSync(join(path, 'link'), digest); };
  const blobDir = (digest) => join(v2, 'blobs/sha256', digest.slice(7, 9), digest.slice(7));
  for (const blob of [image.config, ...image.layers]) {
    mkdirSync(blobDir(blob.digest), { recursive: true });
    await pipeline(createReadStream(image.path, { start: blob.offset, end: blob.offset + blob.size - 1 }), createWriteStream(join(blobDir(blob.digest), 'data')));
    link(join(repo, '_layers/sha256', blob.digest.slice(7)), blob.digest);
  }
  mkdirSync(blobDir(image.manifestDigest), { recursive: true });
  writeFileSync(join(blobDir(image.manifestDigest), 'data'), image.manifest);
  link(join(repo, '_manifests/revisions/sha256', image.manifestDigest.slice(7)), image.manifestDigest);
  link(join(repo, '_manifests/tags', image.tag, 'current'), image.manifestDigest);
  link(join(repo, '_manifests/tags', image.tag, 'index/sha256', image.manifestDigest.slice(7)), image.manifestDigest);
}
