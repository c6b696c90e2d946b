// Where blob bytes are read: one contract for everything that reads a Source (the registry serving
// a range, push uploading a blob), whatever format the archive was. One file descriptor per tar for
// the life of the reader; every read is a positioned read on it, so concurrent transfers never
// reopen files or share a file position. The read loop is our own:
// a fs.ReadStream closes its descriptor when destroyed (a client going away), even with
// autoClose off, which would pull the file out from under every other transfer.
import { open, openBeforeServing, stat, type FileHandle } from './file-handle.js';
import type { FileSource, Source, TarSource } from '../model.js';
import { Readable, type Writable } from 'node:stream';
import { READ_BUDGET, ReadBudget, type Lease } from './read-budget.js';
import { OpenFiles, type PositionedReader } from './open-files.js';
import { FileChangedError, PinnedFiles } from './pinned.js';

/** Blob-relative byte range, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Bytes per positioned read (two such buffers per transfer). Measured: a 1 GiB blob from a
 * page-cached tar to curl over loopback, 2 busy cores, runs vary ±40%: 64 KiB ≈ 360–560 MiB/s,
 * 256 KiB ≈ 0.95–1.2 GiB/s, 512 KiB ≈ 1.2–2.0 GiB/s, 1 MiB ≈ 1.5–2.2 GiB/s, 4 MiB no better.
 * 4 parallel pulls at 512 KiB: 1.7–2.5 GiB/s, peak RSS 81 MiB (1 MiB: 89 MiB). Past 512 KiB the
 * gain is within noise while memory per transfer doubles.
 */
export const READ_CHUNK = 512 * 1024;

/** The tar ended before a blob did: the file shrank since its index was read (truncated under us). */
export class ShortReadError extends Error {
  override readonly name = 'ShortReadError';
  constructor(
    readonly path: string,
    /** Where the read found the end of the file. */
    readonly position: number,
    /** Bytes the file must hold for this blob: where the blob ends. */
    readonly needed: number,
    /** The file's size now (fstat). */
    readonly actual: number,
  ) {
    super(`${path}: file is ${actual} bytes, a blob needs ${needed}`);
  }
}

/** The error for a read that found the end of the file at `position`, with the file's real size. */
async function shortRead(handle: PositionedReader, source: TarSource | FileSource, position: number): Promise<ShortReadError> {
  const sized = 'stat' in handle ? (handle as FileHandle).stat() : stat(source.path);
  const actual = await sized.then(
    (s) => s.size,
    () => position,
  );
  return new ShortReadError(source.path, position, source.offset + source.size, actual);
}

export interface SourceFilesOptions {
  /** The largest read. */
  chunk?: number;
  /** Bytes of read buffers for all transfers together. */
  budget?: number;
  /** The identity each tar file had when indexed, checked before and during every transfer. */
  pins?: PinnedFiles;
  /** Nothing is served yet: the files are opened with blocking calls (./file-handle.ts openBeforeServing). */
  beforeServing?: boolean;
}

export class SourceFiles {
  private readonly buffers: ReadBudget;
  /** Whole-file sources (OCI layout folders): opened on demand, bounded in number. */
  private readonly files = new OpenFiles();

  private constructor(
    private readonly handles: Map<string, FileHandle>,
    chunk: number,
    budget: number,
    private readonly pins: PinnedFiles,
  ) {
    this.buffers = new ReadBudget(chunk, budget);
  }

  /** The files of `sources`, open (`options`: see SourceFilesOptions). */
  static async open(sources: Iterable<Source>, options: SourceFilesOptions = {}): Promise<SourceFiles> {
    const { chunk = READ_CHUNK, budget = READ_BUDGET, pins = new PinnedFiles(), beforeServing = false } = options;
    const handles = new Map<string, FileHandle>();
    try {
      for (const path of new Set(tarPathsOf(sources))) handles.set(path, await (beforeServing ? openBeforeServing(path) : open(path, 'r')));
    } catch (error) {
      await Promise.all([...handles.values()].map((h) => h.close()));
      throw error;
    }
    const files = new SourceFiles(handles, chunk, budget, pins);
    // A file replaced between its indexing and this open is caught here, before any transfer.
    files.checkAll();
    return files;
  }

  /** Why `source`'s bytes cannot be served now (its file changed since it was indexed), if so. */
  problem(source: Source): string | undefined {
    if (source.kind !== 'tar') return undefined;
    const handle = this.handles.get(source.path);
    return handle === undefined ? undefined : this.pins.check(source.path, handle.fd);
  }

  /** Checks every tar file against its identity at indexing; returns `path: problem` for each changed. */
  checkAll(): string[] {
    return this.pins.checkAll(new Map([...this.handles].map(([path, h]) => [path, h.fd])));
  }

  /**
   * Writes `range` (blob-relative, inclusive) of a tar-held blob to `out`, without ending it. Two
   * buffers per transfer take turns: one is refilled only once the socket has taken the other's
   * bytes (its write callback fired), which is the backpressure. With more transfers than the
   * budget gives two full chunks each, a transfer holds one buffer of twice the size instead, so
   * it waits for both writes before the next read. Each buffer is lent by the read
   * budget for one read and its write, so its size follows the transfers under way, and comes
   * back for reuse (a fresh buffer per read kept ~40 MiB of dead buffers alive under load).
   * Rejects when `out` closes first (the client went away) or the tar ends early. `out` must be
   * done with a chunk when its write callback fires (a socket is: the kernel has a copy), since
   * the buffer then goes to the next read, maybe another transfer's.
   */
  /** Writes `range` of a blob to `out`; `delivered.bytes` counts what `out` took, also when it fails midway. */
  async writeRange(source: Source, range: ByteRange, out: Writable, delivered = { bytes: 0 }): Promise<void> {
    if (source.kind === 'memory') {
      const bytes = source.bytes.subarray(range.start, range.end + 1);
      await written(out, bytes);
      delivered.bytes += bytes.length;
      return;
    }
    const handle = this.handle(source);
    let position = source.offset + range.start;
    const end = source.offset + range.end + 1;
    const lent: (Lease | undefined)[] = [undefined, undefined];
    const flushed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    this.buffers.begin();
    try {
      const release = async (turn: number) => {
        await flushed[turn];
        const previous = lent[turn];
        lent[turn] = undefined;
        if (previous !== undefined) this.buffers.give(previous);
      };
      for (let turn = 0; position < end; turn ^= 1) {
        await release(turn);
        // Many transfers at once: one buffer of twice the size (read-budget.ts), so the other goes back first.
        if (this.buffers.buffersPerTransfer() === 1) await release(turn ^ 1);
        const { buffer } = (lent[turn] = this.buffers.take());
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
        // After the read, before its bytes go out: a write begun before the read ended shows here.
        const changed = this.problem(source);
        if (changed !== undefined) throw new FileChangedError(source.path, changed);
        if (bytesRead === 0) throw await shortRead(handle, source, position);
        position += bytesRead;
        const flush = written(out, buffer.subarray(0, bytesRead));
        // Counted once handed over; a failed write is handled where the loop awaits it.
        flush.then(() => void (delivered.bytes += bytesRead), () => {});
        flushed[turn] = flush;
      }
      await Promise.all(flushed);
      for (const lease of lent) if (lease !== undefined) this.buffers.give(lease);
    } catch (error) {
      // A pending write may still hold a buffer until the socket is gone: only then is it reused.
      const release = () => lent.forEach((lease) => lease !== undefined && this.buffers.give(lease));
      if (out.closed) release();
      else out.once('close', release);
      throw error;
    } finally {
      this.buffers.end();
    }
  }

  /**
   * A stream of `range` of a blob (the whole blob by default), for a consumer that pulls (an
   * upload body). Reads on demand through the same descriptor; ends short with ShortReadError.
   */
  openRange(source: Source, range: ByteRange = { start: 0, end: sizeOf(source) - 1 }): Readable {
    if (source.kind === 'memory') return Readable.from([source.bytes.subarray(range.start, range.end + 1)], { objectMode: false });
    const handle = this.handle(source);
    let position = source.offset + range.start;
    const end = source.offset + range.end + 1;
    const size = this.buffers.chunk;
    return new Readable({
      highWaterMark: size,
      read() {
        if (position >= end) return void this.push(null);
        const length = Math.min(size, end - position);
        // A fresh buffer per read: a pulled chunk may be held by the consumer after push().
        handle.read(Buffer.allocUnsafe(length), 0, length, position).then(
          ({ bytesRead, buffer }) => {
            if (bytesRead === 0) return void shortRead(handle, source, position).then((error) => this.destroy(error));
            position += bytesRead;
            this.push(buffer.subarray(0, bytesRead));
          },
          (error: Error) => this.destroy(error),
        );
      },
    });
  }

  private handle(source: TarSource | FileSource): PositionedReader {
    if (source.kind === 'file') return this.files.reader(source.path);
    const handle = this.handles.get(source.path);
    if (handle === undefined) throw new Error(`tar file not opened: ${source.path}`);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.close()));
    this.handles.clear();
    await this.files.close();
  }
}
/**
 * Resolves once `out` has handed `chunk` to the kernel; rejects if `out` closes first (the client
 * went away), since a write callback is not promised then. The close listener lives only as long
 * as its chunk: listeners or promise reactions held for a whole transfer pile up per chunk and
 * grew the young generation (and RSS) on long blobs. Never left as an unhandled rejection.
 */
function written(out: Writable, chunk: Buffer): Promise<void> {
  const promise = new Promise<void>((resolve, reject) => {
    if (out.destroyed) return reject(new ClientGoneError('the client went away'));
    const onClose = () => reject(new ClientGoneError('the client went away'));
    out.once('close', onClose);
    out.write(chunk, (error) => {
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    });
  });
  promise.catch(() => {});
  return promise;
}

export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  readonly code = 'ERR_STREAM_PREMATURE_CLOSE';
}

export function sizeOf(source: Source): number {
  return source.kind === 'memory' ? source.bytes.length : source.size;
}

/** Every tar file a model's blobs point into. */
function tarPathsOf(sources: Iterable<Source>): string[] {
  const paths: string[] = [];
  for (const s of sources) if (s.kind === 'tar') paths.push(s.path);
  return paths;
}
