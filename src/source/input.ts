// What a path given as an archive is, checked before anything reads it, so a directory, a pipe or a
// missing file is one clear line naming it instead of a system error from deep in the loader.
import { open, stat } from './file-handle.js';
import type { Stats } from 'node:fs';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';

/**
 * What an archive path must be: a regular file. Directories (an OCI layout folder, a folder of
 * archives) are told apart before this, in src/source/inputs.ts.
 * A pipe is refused: blobs are served as byte ranges read at any position, which a pipe cannot give.
 */
export async function checkInput(path: string, blocking = false): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await stat(path, blocking);
  } catch (err) {
    throw new LoadError(path, fileProblem(path, err));
  }
  if (stats.isDirectory()) throw new LoadError(path, 'is a directory, not an image archive');
  if (!stats.isFile()) throw new LoadError(path, `is not a regular file (${kindOf(stats)}): use a file, not a pipe`);
  return stats;
}

/**
 * The first `length` bytes of `path` (fewer when the file is shorter); LoadError when it cannot be
 * opened. `blocking`: without the thread pool (./file-handle.ts).
 */
export async function readHead(path: string, length: number, blocking = false): Promise<Buffer> {
  return readHeadAt(path, 0, length, blocking);
}

/** `length` bytes of `path` from `position` (fewer at its end); LoadError when it cannot be opened. */
export async function readHeadAt(path: string, position: number, length: number, blocking = false): Promise<Buffer> {
  const file = await open(path, 'r', blocking).catch((err: NodeJS.ErrnoException) => {
    throw new LoadError(path, fileProblem(path, err));
  });
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}
