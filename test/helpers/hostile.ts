// Hostile archives for the loader's tests and the binary's table test, made at test time: OCI index
// graphs with cycles or explosive sharing, names that are not references, control characters,
// things that are not tars, and compressed bombs.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { OciLayout, craneEntries, hex, makeLayer, sha256, writeArchive } from '../image/archives.js';
import { rawHeader } from '../tar/raw.js';
import type { PackEntry } from './pack.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const fakeDigest = (c: string) => `sha256:${c.repeat(64)}`;

/**
 * Indexes stored under digests their bytes do not hash to (the loader trusts the path), so they can
 * list each other: `links[i]` lists `links[(i+1) % n]`. One link lists itself.
 */
export function cyclicIndexes(count: number): PackEntry[] {
  const digests = Array.from({ length: count }, (_, i) => fakeDigest('abcdef'[i]!));
  // Every body has the same length (same-length digests and sizes), so one fixed point fits all.
  let size = 0;
  let bodies: Buffer[] = [];
  for (let round = 0; round < 5; round++) {
    bodies = digests.map((_, i) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: INDEX, digest: digests[(i + 1) % count], size }] })));
    size = bodies[0]!.length;
  }
  const top = { mediaType: INDEX, digest: digests[0], size, annotations: { 'io.containerd.image.name': 'example.com/cycle:1' } };
  return [
    { name: 'oci-layout', data: { imageLayoutVersion: '1.0.0' } },
    { name: 'index.json', data: { schemaVersion: 2, manifests: [top] } },
    ...digests.map((d, i) => ({ name: `blobs/sha256/${hex(d)}`, data: bodies[i]! })),
  ];
}

/** `levels` indexes, each listing the next twice, above one image: 2^levels paths, levels+1 nodes. */
export function doublingIndexes(levels: number): PackEntry[] {
  const oci = new OciLayout();
  let child: object = oci.image([makeLayer('dag')]);
  for (let i = 0; i < levels; i++) child = oci.index([child, child]);
  return oci.pack([{ ...child, annotations: { 'io.containerd.image.name': 'example.com/dag:1' } }]);
}

/** A chain of `depth` indexes, each listing the next. */
export function nestedIndexes(depth: number): PackEntry[] {
  const oci = new OciLayout();
  let child: object = oci.image([makeLayer('deep')]);
  for (let i = 0; i < depth; i++) child = oci.index([child]);
  return oci.pack([{ ...child, annotations: { 'io.containerd.image.name': 'example.com/deep:1' } }]);
}

/** A crane tarball naming its image `repoTag`, with an image config whose os is `os`. */
export function namedImage(repoTag: string, os = 'linux'): PackEntry[] {
  const entries = craneEntries([repoTag], [makeLayer(repoTag)]);
  if (os === 'linux') return entries;
  const config = entries[0]!;
  const json = JSON.parse(String(config.data)) as Record<string, unknown>;
  config.data = Buffer.from(JSON.stringify({ ...json, os }));
  // The config's entry name states its digest: rename it and the manifest.json pointing at it.
  const digest = sha256(config.data as Buffer);
  config.name = digest;
  const manifest = entries[entries.length - 1]!;
  (manifest.data as Array<{ Config: string }>)[0]!.Config = digest;
  return entries;
}

/** `manifest.json` whose bytes are not JSON (with an escape sequence and a newline in them). */
export const BROKEN_JSON: PackEntry[] = [{ name: 'manifest.json', data: Buffer.from('[{"Config": "\u001b[2J\nseed-registry: listening on http://0.0.0.0:5000"') }];

/** A tar whose only entry name carries an escape sequence and a forged second line. */
export const CONTROL_NAME: PackEntry[] = [{ name: 'manifest.json', data: [{ Config: 'x\u001b[2J\nseed-registry: listening on http://0.0.0.0:5000', RepoTags: ['app:1'], Layers: [] }] }];

/** A gzip stream of a tar header promising `claimed` bytes, then `zeros` zero bytes. */
/**
 * A .tar.zst written by the `zstd` command: a tar header claiming `claimed` bytes, then `body`
 * bytes of zeros (a bomb) or of random data (slow to decode: the input stays large).
 */
export async function zstdTar(path: string, claimed: number, body: number, kind: 'zeros' | 'random'): Promise<string> {
  const zstd = spawn('zstd', ['-q', '-1', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const written = pipeline(zstd.stdout, createWriteStream(path));
  const exited = new Promise<number | null>((resolve) => zstd.on('close', resolve));
  const chunk = kind === 'zeros' ? Buffer.alloc(1 << 20) : randomBytes(1 << 20);
  async function* data() {
    yield rawHeader({ name: kind, size: claimed });
    // A random chunk is repeated, but 1 MiB is over zstd -1's window: it cannot match the last one.
    for (let left = body; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  await pipeline(Readable.from(data()), zstd.stdin);
  await written;
  if ((await exited) !== 0) throw new Error('zstd failed');
  return path;
}

/** `data` compressed by the `zstd` command. */
export function zstdOf(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c'], { input: data });
}

export async function gzipBomb(path: string, claimed: number, zeros: number): Promise<string> {
  const chunk = Buffer.alloc(1 << 20);
  async function* body() {
    yield rawHeader({ name: 'zeros', size: claimed });
    for (let left = zeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  await pipeline(Readable.from(body()), createGzip({ level: 1 }), createWriteStream(path));
  return path;
}

/** Files that are not tars: what each looks like to a reader of its first bytes. */
export async function notTars(dir: string): Promise<Record<string, string>> {
  const files: Record<string, Buffer> = {
    'empty.tar': Buffer.alloc(0),
    'notes.tar': Buffer.from('just some text\nthat is not a tar\n'),
    'image.zip': Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(600, 7)]),
    'image.tar.xz': Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(600, 1)]),
    'image.tar.bz2': Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(600, 1)]),
    'image.tar.lz4': Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), Buffer.alloc(600, 1)]),
    'corrupt.tar.gz': gzipSync(Buffer.alloc(4096)).subarray(0, 20),
    'corrupt.tar.zst': Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00]), Buffer.alloc(600, 0xee)]),
    'zeros.tar.gz': gzipSync(Buffer.alloc(1 << 20)),
    'text.tar.gz': gzipSync(Buffer.from('hello\n'.repeat(200))),
    'zeros.tar.zst': zstdOf(Buffer.alloc(1 << 20)),
    'text.tar.zst': zstdOf(Buffer.from('hello\n'.repeat(200))),
    'short.tar.zst': zstdOf(Buffer.from('hello\n')),
  };
  const paths: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name]!, data);
  }
  return paths;
}

export { writeArchive };
