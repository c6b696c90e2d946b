// The benchmark images, written at run time: a `docker save` legacy layout (uncompressed layer.tar
// per layer) and a crane tarball (gzip layers named by digest). Each layer is a valid tar holding
// one file of incompressible bytes, so real clients can also unpack what they pull.
import { closeSync, createReadStream, createWriteStream, existsSync, openSync } from 'node:fs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { TarWriter, header, padding, BLOCK } from './tar-writer.js';
import { keystream, sha256 } from './data.js';

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

const MIB = 1024 * 1024;
// A layer tar is: file header, data, padding, two end blocks. Layer sizes are whole MiB,
// so data = layer size - 3 blocks keeps the layer tar exactly the requested size.
const LAYER_OVERHEAD = 3 * BLOCK;
// zlib's default 16 KiB output chunk halves gzip speed on incompressible data.
const GZIP_CHUNK = 1 * MIB;

/** Yields one layer tar: a file header, keystream data, padding and the two end blocks. */
function* layerTar(seed, layerBytes) {
  const dataSize = layerBytes - LAYER_OVERHEAD;
  yield header(`bench/layer-${seed}.bin`, dataSize);
  yield* keystream(seed, dataSize);
  yield Buffer.alloc(padding(dataSize) + 2 * BLOCK);
}

function synthesizeConfig(diffIds) {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'seed-registry bench' })),
  }));
}

function synthesizeManifest(config, layers) {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  }));
}

function hex(digest) {
  return digest.slice('sha256:'.length);
}

/** `docker save` before Docker 25: `<id>/layer.tar`, `<id>/json`, `<id>/VERSION`, `<config>.json`. */
export function writeLegacySave(path, { name, layerCount, layerMiB, seed }) {
  const fd = openSync(path, 'w');
  const tar = new TarWriter(fd);
  const layers = [];
  let parent;
  for (let i = 0; i < layerCount; i++) {
    const layerSeed = `${seed}/${i}`;
    const id = createHash('sha256').update(`${layerSeed} ${parent ?? ''}`).digest('hex');
    tar.directory(id);
    tar.file(`${id}/VERSION`, Buffer.from('1.0'));
    tar.file(`${id}/json`, Buffer.from(JSON.stringify(parent ? { id, parent } : { id })));
    const size = layerMiB * MIB;
    const hash = createHash('sha256');
    const offset = tar.begin(`${id}/layer.tar`, size);
    for (const chunk of layerTar(layerSeed, size)) {
      hash.update(chunk);
      tar.write(chunk);
    }
    tar.pad(size);
    const digest = `sha256:${hash.digest('hex')}`;
    layers.push({ id, digest, size, offset, mediaType: MediaType.dockerLayer });
    parent = id;
  }
  const configBytes = synthesizeConfig(layers.map((l) => l.digest));
  const config = { digest: sha256(configBytes), size: configBytes.length };
  config.offset = tar.file(`${hex(config.digest)}.json`, configBytes);
  const [repository, tag] = name.split(':');
  tar.file('manifest.json', Buffer.from(JSON.stringify([{
    Config: `${hex(config.digest)}.json`, RepoTags: [name], Layers: layers.map((l) => `${l.id}/layer.tar`),
  }])));
  tar.file('repositories', Buffer.from(JSON.stringify({ [repository]: { [tag]: parent } })));
  tar.end();
  closeSync(fd);
  return describe('docker-save-legacy', path, name, config, layers);
}

function describe(format, path, name, config, layers) {
  const [repository, tag] = name.split(':');
  const manifest = synthesizeManifest(config, layers);
  const size = layers.reduce((sum, l) => sum + l.size, config.size);
  return { format, path, repository, tag, config, layers, size, manifest: manifest.toString(), manifestDigest: sha256(manifest) };
}

/** A pass-through that hashes and counts what flows through it. */
function hashing() {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      stream.size += chunk.length;
      done(null, chunk);
    },
  });
  stream.size = 0;
  stream.digest = () => `sha256:${hash.digest('hex')}`;
  return stream;
}

/** Gzips one generated layer tar into `path`; returns its compressed digest and size, and its diff_id. */
async function writeGzipLayer(path, seed, layerBytes, level) {
  const plain = hashing();
  const packed = hashing();
  await pipeline(Readable.from(layerTar(seed, layerBytes)), plain, createGzip({ level, chunkSize: GZIP_CHUNK }), packed, createWriteStream(path));
  return { digest: packed.digest(), size: packed.size, diffId: plain.digest(), mediaType: MediaType.dockerLayerGzip };
}

/** Copies a whole small-or-large file into the tar at the writer's position. */
async function appendFile(tar, name, path, size) {
  const offset = tar.begin(name, size);
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * MIB })) tar.write(chunk);
  tar.pad(size);
  return offset;
}

/** A crane tarball (`crane pull --format=tarball`): `sha256:<config>`, `<digest>.tar.gz` layers. */
export async function writeCraneTarball(path, { name, layerCount, layerMiB, seed, gzipLevel, tmpDir }) {
  const gzipped = [];
  for (let i = 0; i < layerCount; i++) {
    const file = join(tmpDir, `crane-layer-${i}.tar.gz`);
    gzipped.push({ file, ...(await writeGzipLayer(file, `${seed}/${i}`, layerMiB * MIB, gzipLevel)) });
  }
  const configBytes = synthesizeConfig(gzipped.map((l) => l.diffId));
  const config = { digest: sha256(configBytes), size: configBytes.length };
  const fd = openSync(path, 'w');
  const tar = new TarWriter(fd);
  config.offset = tar.file(config.digest, configBytes);
  const layers = [];
  for (const l of gzipped) {
    const offset = await appendFile(tar, `${hex(l.digest)}.tar.gz`, l.file, l.size);
    layers.push({ digest: l.digest, size: l.size, offset, mediaType: l.mediaType });
    rmSync(l.file);
  }
  tar.file('manifest.json', Buffer.from(JSON.stringify([{
    Config: config.digest, RepoTags: [name], Layers: layers.map((l) => `${hex(l.digest)}.tar.gz`),
  }])));
  tar.end();
  closeSync(fd);
  return describe('crane-tarball', path, name, config, layers);
}

/** Writes the image unless `path` and its description already exist (a reused `--images-dir`). */
export async function ensureImage(path, spec) {
  const described = `${path}.json`;
  if (existsSync(path) && existsSync(described)) return JSON.parse(readFileSync(described, 'utf8'));
  const image = spec.format === 'crane-tarball' ? await writeCraneTarball(path, spec) : writeLegacySave(path, spec);
  writeFileSync(described, JSON.stringify(image, null, 2));
  return image;
}
