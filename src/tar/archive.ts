// Opens an image archive: a tar file as it is, or a whole-gzip tarball (image.tar.gz) decompressed
// once into a temporary file, because blobs are served as byte ranges of an uncompressed tar.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LoadError } from '../load-error.js';
import { type TarIndex, indexTar, openForReading } from './index.js';

export interface ArchiveOptions {
  /** Where a decompressed copy goes; the system temp dir by default. */
  tmpDir?: string;
  /** Receives progress while decompressing (bytes of compressed input read, total). */
  onProgress?: (done: number, total: number) => void;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const temporaryDirs: string[] = [];

export async function isGzipFile(path: string): Promise<boolean> {
  const file = await openForReading(path);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return bytesRead === 2 && head.equals(GZIP_MAGIC);
  } finally {
    await file.close();
  }
}

export async function openArchive(path: string, options: ArchiveOptions = {}): Promise<TarIndex> {
  if (!(await isGzipFile(path))) return indexTar(path);
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'seed-registry-'));
  removeAtExit(dir);
  const target = join(dir, basename(path).replace(/\.(tgz|gz)$/, '') + '.tar');
  const { size } = await stat(path);
  let done = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      options.onProgress?.(done, size);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), progress, createGunzip(), createWriteStream(target));
  } catch (err) {
    throw new LoadError(path, `gzip-compressed, but it does not decompress (${(err as Error).message})`);
  }
  return indexTar(target, path);
}

function removeAtExit(dir: string): void {
  if (temporaryDirs.length === 0) {
    process.once('exit', () => {
      for (const d of temporaryDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  temporaryDirs.push(dir);
}
