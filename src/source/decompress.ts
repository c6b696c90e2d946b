// Decodes a compressed archive once into temporary space (src/source/temp.ts), bounded: a limit on
// the decompressed size (a 4 MiB .gz of zeros expands to 4 GiB), a free-space check before writing
// and while writing, and an early look at the first block so a bomb that is not a tar stops at once.
import { createReadStream, write } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoadError } from '../load-error.js';
import type { Codec } from './codecs.js';
import { systemProblem } from './input.js';
import { type TempFile, createTempFile, freeSpace } from './temp.js';
import { formatBytes } from '../units.js';

export interface DecompressOptions {
  tmpDir: string;
  /** The option (or variable) that chose tmpDir, named in messages. */
  tmpDirSource: string;
  /** Most bytes the decoded tar may have. */
  maxSize: number;
  /** Bytes of compressed input read so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** Looks at the first 512 decoded bytes; a returned string stops decoding as the problem. */
  checkHead?: (head: Buffer) => string | undefined;
  /** Where the compressed bytes start in `path` (an image layer inside an archive); 0 by default. */
  start?: number;
  /** How messages name the input, when not `path`. */
  file?: string;
}

/** Free space left on the temporary file system; decoding stops before going below it. */
const RESERVE = 64 * 1024 * 1024;
/** How often (in bytes written) free space is checked again. */
const RECHECK = 256 * 1024 * 1024;
const HEAD = 512;


export async function decompressToTemp(source: string, size: number, codec: Codec, options: DecompressOptions): Promise<TempFile> {
  const { tmpDir, maxSize } = options;
  const path = options.file ?? source;
  const start = options.start ?? 0;
  const where = `${tmpDir} (${options.tmpDirSource})`;
  let free: number;
  try {
    free = freeSpace(tmpDir);
  } catch (err) {
    throw new LoadError(where, `cannot be used for temporary space: ${systemProblem(err as NodeJS.ErrnoException)}`);
  }
  // A tar is never smaller than its compressed form.
  const need = Math.min(size, maxSize) + RESERVE;
  if (free < need) {
    throw new LoadError(path, `is ${codec.name}-compressed and needs at least ${formatBytes(need)} of temporary space; ${where} has ${formatBytes(free)} free (choose another with --tmp-dir)`);
  }
  let temp: TempFile;
  try {
    temp = createTempFile(tmpDir, 'decompressed.tar');
  } catch (err) {
    throw new LoadError(where, `cannot create a temporary file: ${systemProblem(err as NodeJS.ErrnoException)}`);
  }
  try {
    await pipeline(
      createReadStream(source, { start, end: start + size - 1 }),
      counter((n) => options.onProgress?.(n, size)),
      codec.decoder!(),
      guard(path, codec, options, where),
      toDescriptor(temp.fd),
    );
    return temp;
  } catch (err) {
    temp.release();
    if (err instanceof LoadError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new LoadError(path, `no space left in ${where} while decompressing (choose another with --tmp-dir)`);
    throw new LoadError(path, `is ${codec.name}-compressed, but it does not decompress (${e.message})`);
  }
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

function counter(onCount: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onCount(total);
      callback(null, chunk);
    },
  });
}

/** Counts decoded bytes against the limit, checks the head, and watches free space. */
function guard(path: string, codec: Codec, options: DecompressOptions, where: string): Transform {
  let written = 0;
  let nextCheck = RECHECK;
  let head: Buffer | undefined = Buffer.alloc(0);
  const fail = (problem: string) => new LoadError(path, problem);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      if (written > options.maxSize) {
        return callback(fail(`decompresses to more than ${formatBytes(options.maxSize)}, the limit set by --max-decompressed-size`));
      }
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= HEAD) {
          const problem = options.checkHead?.(head.subarray(0, HEAD));
          if (problem !== undefined) return callback(fail(`is ${codec.name}-compressed, but what it holds ${problem}`));
          head = undefined;
        }
      }
      if (written >= nextCheck) {
        nextCheck += RECHECK;
        if (freeSpace(options.tmpDir) < RESERVE) {
          return callback(fail(`decompressing would fill ${where}: less than ${formatBytes(RESERVE)} left after ${formatBytes(written)} (choose another with --tmp-dir)`));
        }
      }
      callback(null, chunk);
    },
    flush(callback) {
      const problem = head !== undefined ? options.checkHead?.(head) : undefined;
      callback(problem === undefined ? null : fail(`is ${codec.name}-compressed, but what it holds ${problem}`));
    },
  });
}

