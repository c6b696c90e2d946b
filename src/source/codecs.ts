// The compressions an archive may come in, told by magic bytes (never by name), in one table:
// each decodes (in process, or by a command such as `zstd -dc`), or, when its command is not on
// PATH, is refused with the package to install and the command that converts it. Blobs are served
// as byte ranges of an uncompressed tar, so a compressed archive is decoded once into temporary
// space (src/source/decompress.ts). k3s reads .tar.lz4 and .tar.bz2 from its images folder too.
import { createGunzip } from 'node:zlib';
import { type Decoder, ZLIB_CHUNK } from './decoder.js';
import { onPath } from './on-path.js';
import { zstdDecoder } from './zstd.js';

export interface Codec {
  name: string;
  magic: Buffer;
  /** How it decodes here; undefined when it cannot (its command is not on PATH). */
  decoder: () => Decoder | undefined;
  /** The command that converts it to a plain tar (FILE and OUT stand for the paths), named in the refusal. */
  convert?: string;
  /** The Debian/Ubuntu package that has its command, named in the refusal. */
  install?: string;
}

/** Decoding by `name -dcq` (stdin to stdout) when it is on PATH. */
function byCommand(name: string): () => Decoder | undefined {
  return () => {
    const command = onPath(name);
    return command ? { kind: 'command', argv: [command, '-dcq'] } : undefined;
  };
}

export const CODECS: Codec[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), decoder: () => ({ kind: 'stream', stream: () => createGunzip({ chunkSize: ZLIB_CHUNK }) }) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decoder: zstdDecoder },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), decoder: byCommand('xz'), convert: 'xz -dc FILE > OUT', install: 'xz-utils' },
  { name: 'bzip2', magic: Buffer.from('BZh'), decoder: byCommand('bzip2'), convert: 'bzip2 -dc FILE > OUT', install: 'bzip2' },
  { name: 'lz4', magic: Buffer.from([0x04, 0x22, 0x4d, 0x18]), decoder: byCommand('lz4'), convert: 'lz4 -dc FILE > OUT', install: 'lz4' },
  { name: 'legacy lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), decoder: byCommand('lz4'), convert: 'lz4 -dc FILE > OUT', install: 'lz4' },
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
