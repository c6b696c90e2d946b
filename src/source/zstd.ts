// zstd decoding, by measured speed (`npm run bench -- --zstd`, docs/benchmarks.md): the `zstd`
// command when it is on PATH (it writes the temporary file itself: src/source/decode-command.ts);
// else node:zlib's where the running Node has it (22.15 on; serving a 512 MiB .tar.zst was ready
// 3.5x later than with the command, on Node 22.23); else fzstd, a pure-JS decoder that needs no
// build step or binary download, which an air-gapped host cannot do (5x slower than the command).
// SEED_REGISTRY_ZSTD=zlib|command|js forces one (tests, benchmarks).
import type { Transform } from 'node:stream';
import type { Decompress } from 'fzstd';
import { type BlockDecoder, type Decoder, ZLIB_CHUNK } from './decoder.js';
import { onPath } from './on-path.js';

/**
 * Largest window accepted, as the zstd command's default (`--long` raises it): a frame header may
 * state a window of up to 2 GiB, which a decoder allocates before decoding a byte.
 */
export const MAX_WINDOW = 128 * 1024 * 1024;

type ZstdFactory = (options?: { chunkSize?: number }) => Transform;
export type ZstdChoice = 'zlib' | 'command' | 'js';

export function zstdChoice(): ZstdChoice {
  const forced = process.env['SEED_REGISTRY_ZSTD'];
  if (forced === 'zlib' || forced === 'command' || forced === 'js') return forced;
  if (onPath('zstd')) return 'command';
  return nativeZstd() ? 'zlib' : 'js';
}

/** The chosen decoder: node:zlib's stream, the `zstd` command, or fzstd block by block. */
export function zstdDecoder(): Decoder {
  const choice = zstdChoice();
  const native = nativeZstd();
  if (choice === 'zlib' && native) return { kind: 'stream', stream: () => native({ chunkSize: ZLIB_CHUNK }) };
  const command = choice === 'command' ? onPath('zstd') : undefined;
  // `zstd -dc` decodes stdin to stdout and refuses a stream it cannot decode with a non-zero
  // status; its default window limit is MAX_WINDOW.
  if (command) return { kind: 'command', argv: [command, '-dcq'] };
  return { kind: 'blocks', start: fzstdBlocks };
}

/**
 * Looked up when asked, not imported as a namespace: a namespace import of node:zlib is copied key by
 * key when the module is evaluated, which would load zlib at every start of the single executable
 * (scripts/lazy-builtins.mjs). getBuiltinModule came in Node 20.16, before zlib's zstd.
 */
function nativeZstd(): ZstdFactory | undefined {
  const zlib = process.getBuiltinModule?.('node:zlib') as { createZstdDecompress?: ZstdFactory } | undefined;
  return zlib?.createZstdDecompress;
}

/**
 * fzstd, block by block: each decoded block (at most 128 KiB) goes to `onBlock` as it comes, so a
 * bomb (a few bytes decode to a 128 KiB block of zeros) is stopped by the caller's limit, never
 * gathered in memory.
 */
export async function fzstdBlocks(onBlock: (block: Uint8Array) => void): Promise<BlockDecoder> {
  // Loaded only here: its tables are built when it loads, and most hosts decode with the command or node:zlib.
  const { Decompress } = await import('fzstd');
  let decoder: Decompress | undefined;
  return {
    push(chunk) {
      if (!decoder) {
        checkWindow(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
        decoder = new Decompress((data) => data.length && onBlock(data));
      }
      decoder.push(chunk);
    },
    end() {
      decoder?.push(new Uint8Array(0), true);
    },
  };
}

/** Refuses a first frame whose window (what the decoder allocates) is over MAX_WINDOW. */
function checkWindow(head: Buffer): void {
  if (head.length < 6) return;
  const descriptor = head[4]!;
  const singleSegment = (descriptor & 0x20) !== 0;
  let window: number;
  if (singleSegment) {
    const sizeBytes = [1, 2, 4, 8][descriptor >> 6]!;
    const at = 5 + ((descriptor & 3) === 0 ? 0 : [0, 1, 2, 4][descriptor & 3]!);
    if (head.length < at + sizeBytes) return;
    window = sizeBytes === 8 ? Number(head.readBigUInt64LE(at)) : head.readUIntLE(at, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
  } else {
    const exponent = 10 + (head[5]! >> 3);
    const base = 2 ** exponent;
    window = base + (base / 8) * (head[5]! & 7);
  }
  if (window > MAX_WINDOW) throw new Error(`its zstd window of ${window} bytes is over the ${MAX_WINDOW}-byte limit`);
}

