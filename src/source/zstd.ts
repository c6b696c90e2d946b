// zstd decoding, by measured speed (`npm run bench -- --zstd`, docs/benchmarks.md): node:zlib's
// where the running Node has it (22.15 on); else the `zstd` command when it is on PATH (the
// reference decoder itself: about 4.5x faster than the pure-JS one here); else fzstd, a pure-JS
// decoder that needs no build step or binary download, which an air-gapped host cannot do.
// SEED_REGISTRY_ZSTD=zlib|command|js forces one (tests, benchmarks).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Duplex, Readable, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';

/**
 * Largest window accepted, as the zstd command's default (`--long` raises it): a frame header may
 * state a window of up to 2 GiB, which a decoder allocates before decoding a byte.
 */
export const MAX_WINDOW = 128 * 1024 * 1024;

type ZstdFactory = (options?: { maxOutputLength?: number }) => Transform;
export type ZstdDecoder = 'zlib' | 'command' | 'js';

export function zstdDecoder(): ZstdDecoder {
  const forced = process.env['SEED_REGISTRY_ZSTD'];
  if (forced === 'zlib' || forced === 'command' || forced === 'js') return forced;
  if (nativeZstd()) return 'zlib';
  return zstdCommand() ? 'command' : 'js';
}

export function zstdStream(): Transform | Duplex {
  const decoder = zstdDecoder();
  const native = nativeZstd();
  if (decoder === 'zlib' && native) return native();
  const command = decoder === 'command' ? zstdCommand() : undefined;
  return command ? commandStream(command) : fzstdStream();
}

function nativeZstd(): ZstdFactory | undefined {
  return (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
}

/** The `zstd` executable on PATH, if any. */
function zstdCommand(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'zstd');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `zstd -dc` as a stream: compressed bytes to its stdin, tar bytes from its stdout. Its output
 * ends only once it exited 0, so a stream it rejects is an error here, not a short tar. It is
 * killed when the pipeline stops early (a limit hit); it dies with us otherwise (a closed pipe).
 */
function commandStream(command: string): Duplex {
  const child = spawn(command, ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-400)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.on('error', () => {}); // EPIPE when zstd stops first: its exit status says why
  async function* output() {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    if (code !== 0) throw new Error(stderr.replace(/\s+/g, ' ').trim() || `zstd exited with status ${code}`);
  }
  const duplex = Duplex.from({ writable: child.stdin, readable: Readable.from(output()) });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return duplex;
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
