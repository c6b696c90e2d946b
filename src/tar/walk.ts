// Walks a tar file's headers with positioned reads, jumping over entry data:
// the cost grows with the number of entries, not with the archive's size.
import type { FileHandle } from '../source/file-handle.js';
import { BLOCK, type EntryType, type Header, HeaderError, decodeHeader, decodeLongName, decodePax, isZeroBlock } from './header.js';

export interface RawEntry {
  name: string;
  type: EntryType;
  /** Offset of the entry's data in the tar file. */
  offset: number;
  size: number;
  linkname: string;
}

/** Pax records and GNU long names are small; a larger one is a hostile or corrupt archive. */
const META_CAP = 1 << 20;
/**
 * Headers of small entries sit close together: read them a window at a time, growing from MIN_WINDOW
 * to MAX_WINDOW while the walk reads on where the last window ended. After a jump over an entry's
 * data (a layer) the next headers are few: a 64 KiB read there copied 64 KiB for one header (300
 * layers: 19 MB copied to find 900 headers).
 */
const MIN_WINDOW = 8 * 1024;
const MAX_WINDOW = 64 * 1024;

export class WalkError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

class BlockReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  private windowSize = MIN_WINDOW;

  constructor(
    private readonly file: FileHandle,
    readonly size: number,
    /** Where the tar starts in the file (a tar held inside another file: an image layer). */
    private readonly base: number,
  ) {}

  /**
   * The bytes when the window holds them (the headers of small entries, read together), else
   * undefined: then `read`. Nothing to wait for: an await for each header was most of a walk's cost
   * on an archive of many entries, as a start runs it (V8's interpreter, callgrind).
   */
  held(offset: number, length: number): Buffer | undefined {
    const end = offset + length;
    if (end > this.size || offset < this.windowStart || end > this.windowStart + this.window.length) return undefined;
    return this.window.subarray(offset - this.windowStart, end - this.windowStart);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset + length > this.size) throw new WalkError('archive is truncated', offset);
    const held = this.held(offset, length);
    if (held !== undefined) return held;
    const onward = offset === this.windowStart + this.window.length;
    this.windowSize = onward ? Math.min(this.windowSize * 2, MAX_WINDOW) : MIN_WINDOW;
    const want = Math.min(Math.max(length, this.windowSize), this.size - offset);
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.file.read(buffer, 0, want, this.base + offset);
    if (bytesRead < length) throw new WalkError('archive is truncated', offset);
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = offset;
    return this.window.subarray(0, length);
  }
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/**
 * Entries of the tar of `size` bytes at `base` in `file`; offsets are the file's. The reads are
 * blocking when `file` was opened so (../source/file-handle.ts; see TarIndex's `blocking`).
 */
export async function walkEntries(file: FileHandle, size: number, base = 0): Promise<RawEntry[]> {
  const reader = new BlockReader(file, size, base);
  const entries: RawEntry[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let offset = 0;
  // A file that ends at a block boundary without the two zero blocks is accepted, as GNU tar does.
  while (offset < size) {
    const block = reader.held(offset, BLOCK) ?? (await reader.read(offset, BLOCK));
    if (isZeroBlock(block)) break;
    let header: Header;
    try {
      header = decodeHeader(block);
    } catch (err) {
      if (err instanceof HeaderError) {
        throw new WalkError(offset === 0 ? `not a tar archive (${err.message})` : err.message, offset);
      }
      throw err;
    }
    const dataOffset = offset + BLOCK;
    const dataSize = pax.size !== undefined ? Number(pax.size) : header.size;
    if (!Number.isSafeInteger(dataSize) || dataSize < 0) throw new WalkError('invalid entry size', offset);
    if (dataOffset + padded(dataSize) > size) throw new WalkError('archive is truncated', offset);
    offset = dataOffset + padded(dataSize);

    if (header.type === 'pax' || header.type === 'gnu-longname' || header.type === 'gnu-longlink') {
      if (dataSize > META_CAP) throw new WalkError(`${header.type} record of ${dataSize} bytes is too large`, dataOffset);
      const data = reader.held(dataOffset, dataSize) ?? (await reader.read(dataOffset, dataSize));
      try {
        if (header.type === 'pax') pax = decodePax(data);
        else if (header.type === 'gnu-longname') longName = decodeLongName(data);
        else longLink = decodeLongName(data);
      } catch (err) {
        throw new WalkError(err instanceof Error ? err.message : String(err), dataOffset);
      }
      continue;
    }
    if (header.type === 'pax-global') continue;

    entries.push({
      name: pax.path ?? longName ?? header.name,
      type: header.type,
      offset: base + dataOffset,
      size: dataSize,
      linkname: pax.linkpath ?? longLink ?? header.linkname,
    });
    pax = {};
    longName = undefined;
    longLink = undefined;
  }
  return entries;
}
