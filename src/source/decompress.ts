// Decodes a compressed archive once into temporary space (src/source/temp.ts), bounded: a limit on
// the decompressed size (a 4 MiB .gz of zeros expands to 4 GiB), a free-space check before writing
// and while writing, and an early look at the first block so a bomb that is not a tar stops at once.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { LoadError } from '../load-error.js';
import { decodeByCommand } from './decode-command.js';
import { decodeBlocks, decodeStream } from './decode-in-process.js';
import { type DecodeWatch, type Decoder, WatchStop } from './decoder.js';
import { fileProblem } from '../os-errors.js';
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
/** How often (in bytes written) free space is checked again: statfs is cheap, a small file system fills fast. */
const RECHECK = 16 * 1024 * 1024;
/** Compressed bytes per read for a stream decoder (fewer trips through the thread pool than 64 KiB). */
const READ_CHUNK = 1 << 20;
/**
 * Compressed bytes per push into a block decoder, which decodes a whole push before returning: 16 KiB
 * of zstd RLE blocks is up to 700 MiB of writes before the process turns to anything else (a signal).
 */
const BLOCKS_INPUT = 16 * 1024;

export async function decompressToTemp(source: string, size: number, codec: string, decoder: Decoder, options: DecompressOptions): Promise<TempFile> {
  const { tmpDir, maxSize } = options;
  const path = options.file ?? source;
  const start = options.start ?? 0;
  const where = `${tmpDir} (${options.tmpDirSource})`;
  let free: number;
  try {
    free = freeSpace(tmpDir);
  } catch (err) {
    throw new LoadError(where, `cannot be used for temporary space: ${fileProblem(tmpDir, err, 'list')}`);
  }
  // A tar is never smaller than its compressed form.
  const need = Math.min(size, maxSize) + RESERVE;
  if (free < need) {
    throw new LoadError(path, `is ${codec}-compressed and needs at least ${formatBytes(need)} of temporary space; ${where} has ${formatBytes(free)} free (choose another with --tmp-dir)`);
  }
  let temp: TempFile;
  try {
    temp = createTempFile(tmpDir, 'decompressed.tar');
  } catch (err) {
    throw new LoadError(where, `cannot create a temporary file: ${fileProblem(join(tmpDir, 'decompressed.tar'), err, 'write')}`);
  }
  const watch = watchFor(codec, options, where);
  const onRead = (n: number) => options.onProgress?.(n, size);
  const input = (highWaterMark = READ_CHUNK): [Readable, Transform] => [createReadStream(source, { highWaterMark, start, end: start + size - 1 }), countBytes(onRead)];
  try {
    if (decoder.kind === 'command') await decodeByCommand({ path: source, whole: options.start === undefined, open: input }, decoder.argv, temp.fd, watch, onRead);
    else if (decoder.kind === 'blocks') await decodeBlocks(input(BLOCKS_INPUT), decoder.start, temp.fd, watch);
    else await decodeStream(input(), decoder.stream(), temp.fd, watch);
    return temp;
  } catch (err) {
    temp.release();
    if (err instanceof WatchStop) throw new LoadError(path, err.problem);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new LoadError(path, `no space left in ${where} while decompressing (choose another with --tmp-dir)`);
    // A read error of the archive itself is worded as one; anything else is the decoder's message.
    const problem = e.code !== undefined && e.syscall !== undefined ? fileProblem(source, e) : e.message;
    throw new LoadError(path, `is ${codec}-compressed, but it does not decompress (${problem})`);
  }
}

/** The limits decoding stays within, whichever way it decodes: size, free space, a tar's first block. */
function watchFor(codec: string, options: DecompressOptions, where: string): DecodeWatch {
  let nextCheck = RECHECK;
  return {
    written(bytes) {
      if (bytes > options.maxSize) return `decompresses to more than ${formatBytes(options.maxSize)}, the limit set by --max-decompressed-size`;
      if (bytes < nextCheck) return undefined;
      nextCheck = bytes + RECHECK;
      if (freeSpace(options.tmpDir) >= RESERVE) return undefined;
      return `decompressing would fill ${where}: less than ${formatBytes(RESERVE)} left after ${formatBytes(bytes)} (choose another with --tmp-dir)`;
    },
    head(block) {
      const problem = options.checkHead?.(block);
      return problem === undefined ? undefined : `is ${codec}-compressed, but what it holds ${problem}`;
    },
  };
}

/** Passes bytes through, telling the running total. */
function countBytes(onCount: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onCount(total);
      callback(null, chunk);
    },
  });
}
