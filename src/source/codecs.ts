// The compressions an archive may come in, told by magic bytes (never by name), in one table:
// each either decodes (a Transform from compressed to tar bytes) or is refused with the command
// that converts it. Blobs are served as byte ranges of an uncompressed tar, so a compressed archive
// is decoded once into temporary space (src/source/decompress.ts).
import type { Duplex, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { zstdStream } from './zstd.js';

export interface Codec {
  name: string;
  magic: Buffer;
  /** A decoder; absent for a compression that is refused. */
  decoder?: () => Transform | Duplex;
  /** The command that converts it to a plain tar (FILE and OUT stand for the paths), named in the refusal. */
  convert?: string;
}

/**
 * gzip output in 256 KiB chunks, not zlib's 16 KiB: each chunk is one write to the temporary file.
 * Measured: 256 MiB of incompressible tar from `gzip -1`, decoded to a file, 5 alternated runs on the
 * shared 2-core machine: 16 KiB 1.92 s median (1.64–2.05), 256 KiB 1.05 s (0.81–1.17).
 */
const GZIP_CHUNK = 256 * 1024;

export const CODECS: Codec[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), decoder: () => zlib.createGunzip({ chunkSize: GZIP_CHUNK }) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decoder: zstdStream },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), convert: 'xz -dc FILE > OUT' },
  { name: 'bzip2', magic: Buffer.from('BZh'), convert: 'bzip2 -dc FILE > OUT' },
  { name: 'lz4', magic: Buffer.from([0x04, 0x22, 0x4d, 0x18]), convert: 'lz4 -dc FILE > OUT' },
  { name: 'legacy lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), convert: 'lz4 -dc FILE > OUT' },
];

/** Bytes to read from the start of a file to tell every codec above. */
export const MAGIC_LENGTH = 6;

/** The refusal's command for `path`: `x.tar.xz` → `xz -dc x.tar.xz > x.tar`, quoted for a shell when needed. */
export function convertCommand(codec: Codec, path: string): string {
  const stem = path.replace(/\.(xz|bz2|lz4)$/i, '').replace(/\.(txz|tbz2?|tlz4)$/i, '');
  const out = stem.endsWith('.tar') ? stem : `${stem}.tar`;
  const quote = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`);
  return (codec.convert ?? '').replace('FILE', quote(path)).replace('OUT', quote(out));
}

export function codecOf(head: Buffer): Codec | undefined {
  return CODECS.find((c) => head.length >= c.magic.length && head.subarray(0, c.magic.length).equals(c.magic));
}
