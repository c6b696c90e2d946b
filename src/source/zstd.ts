// zstd decoding: node:zlib's where the running Node has it (22.15 on), else fzstd, a pure-JS decoder
// (no build step or binary download, which an air-gapped host cannot do). Figures in
// docs/benchmarks.md (`npm run bench -- --zstd`).
import { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';

/**
 * Largest window accepted, as the zstd command's default (`--long` raises it): a frame header may
 * state a window of up to 2 GiB, which a decoder allocates before decoding a byte.
 */
export const MAX_WINDOW = 128 * 1024 * 1024;

type ZstdFactory = (options?: { maxOutputLength?: number }) => Transform;

export function zstdStream(): Transform {
  const native = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return native && !process.env['SEED_REGISTRY_ZSTD_JS'] ? native() : fzstdStream();
}

/** fzstd's streaming decoder as a Transform; each block it emits is a fresh buffer. */
export function fzstdStream(): Transform {
  let decoder: Decompress | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        if (!decoder) {
          checkWindow(chunk);
          decoder = new Decompress((data) => {
            if (data.length) stream.push(Buffer.from(data.buffer, data.byteOffset, data.length));
          });
        }
        decoder.push(chunk);
        callback();
      } catch (err) {
        callback(asError(err));
      }
    },
    flush(callback) {
      try {
        decoder?.push(new Uint8Array(0), true);
        callback();
      } catch (err) {
        callback(asError(err));
      }
    },
  });
  return stream;
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

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
