// Decoding in this process into the temporary file: a stream with backpressure (node:zlib), or a
// synchronous block decoder (fzstd) whose blocks are written as they come, so that memory holds at
// most one block whatever the ratio (a zstd RLE block turns 4 bytes into 128 KiB).
import { write, writeSync } from 'node:fs';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BlockDecoder, type DecodeWatch, HEAD_BYTES, WatchStop } from './decoder.js';

type Input = [Readable, ...Transform[]];

export async function decodeStream(input: Input, decoder: Transform, fd: number, watch: DecodeWatch): Promise<void> {
  await pipeline([...input, decoder, guard(watch), toDescriptor(fd)]);
}

export async function decodeBlocks(input: Input, start: (onBlock: (block: Uint8Array) => void) => Promise<BlockDecoder>, fd: number, watch: DecodeWatch): Promise<void> {
  const tally = new Tally(watch);
  const decoder = await start((block) => {
    for (let at = 0; at < block.length; ) at += writeSync(fd, block, at, block.length - at);
    tally.add(block);
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(chunk);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    final(callback) {
      try {
        decoder.end();
        tally.end();
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  await pipeline([...input, sink]);
}

/** Counts decoded bytes and gathers the first block for the watch; throws WatchStop to stop. */
class Tally {
  private written = 0;
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly watch: DecodeWatch) {}

  add(chunk: Uint8Array): void {
    this.written += chunk.length;
    this.check(this.watch.written(this.written));
    if (this.head === undefined) return;
    this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES)]);
    if (this.head.length < HEAD_BYTES) return;
    const block = this.head.subarray(0, HEAD_BYTES);
    this.head = undefined;
    this.check(this.watch.head(block));
  }

  end(): void {
    if (this.head !== undefined) this.check(this.watch.head(this.head));
  }

  private check(problem: string | undefined): void {
    if (problem !== undefined) throw new WatchStop(problem);
  }
}

/** Applies the watch to decoded bytes passing through. */
function guard(watch: DecodeWatch): Transform {
  const tally = new Tally(watch);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        tally.add(chunk);
        callback(null, chunk);
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      try {
        tally.end();
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/**
 * Writes to a descriptor that stays open: fs.WriteStream closes its descriptor when the pipeline
 * is destroyed, even with autoClose off, and the descriptor is what keeps the unlinked file alive.
 */
function toDescriptor(fd: number): Writable {
  const writeAll = (chunk: Buffer, callback: (error?: Error | null) => void): void => {
    write(fd, chunk, 0, chunk.length, null, (error, n) => {
      if (error) return callback(error);
      if (n < chunk.length) return writeAll(chunk.subarray(n), callback);
      callback();
    });
  };
  return new Writable({ write: (chunk: Buffer, _encoding, callback) => writeAll(chunk, callback) });
}
