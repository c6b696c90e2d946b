// One file descriptor per tar for the life of the server; every blob read is a positioned read on
// it, so concurrent pulls never reopen files or share a file position.
import { createReadStream, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Source } from '../model.js';
import type { ResolvedRange } from './range.js';

/**
 * Read buffer size for blob streams. Measured with bench/ (1 GiB blob, loopback, page cache warm):
 * 64 KiB reached about two thirds of the throughput of 256 KiB–1 MiB; beyond 1 MiB nothing gained
 * and memory per transfer grows. See README "Measurements".
 */
export const READ_CHUNK = 512 * 1024;

export class TarFiles {
  private constructor(private readonly handles: Map<string, FileHandle>) {}

  static async open(paths: Iterable<string>): Promise<TarFiles> {
    const handles = new Map<string, FileHandle>();
    try {
      for (const path of new Set(paths)) handles.set(path, await open(path, 'r'));
    } catch (error) {
      await Promise.all([...handles.values()].map((h) => h.close()));
      throw error;
    }
    return new TarFiles(handles);
  }

  /** A stream of `range` (blob-relative, inclusive) of a tar-held blob. */
  openRange(source: Extract<Source, { kind: 'tar' }>, range: ResolvedRange): ReadStream {
    const handle = this.handles.get(source.path);
    if (handle === undefined) throw new Error(`tar file not opened: ${source.path}`);
    return createReadStream('', {
      fd: handle.fd,
      autoClose: false,
      start: source.offset + range.start,
      end: source.offset + range.end,
      highWaterMark: READ_CHUNK,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.close()));
    this.handles.clear();
  }
}

/** Every tar file a model's blobs point into. */
export function tarPathsOf(sources: Iterable<Source>): string[] {
  const paths: string[] = [];
  for (const s of sources) if (s.kind === 'tar') paths.push(s.path);
  return paths;
}
