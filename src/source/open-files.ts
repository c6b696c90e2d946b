// Descriptors for whole-file sources (the blobs of an OCI layout folder), opened on demand and
// bounded in number: a layout may hold thousands of blobs, more than a process may keep open,
// and only those being read need a descriptor. Least recently used idle ones are closed first; a
// descriptor with a read in flight is never closed, so the bound is exceeded only while more
// reads than the bound run at once.
import { type FileHandle, open } from './file-handle.js';

/** What a transfer needs of an open file: positioned reads (a FileHandle has this shape). */
export interface PositionedReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}

/** Open descriptors kept for whole-file sources (the system's default soft limit is 1024). */
export const OPEN_FILES_LIMIT = 64;

interface Slot {
  handle: Promise<FileHandle>;
  reads: number;
}

export class OpenFiles {
  /** path → slot, least recently used first (a Map keeps insertion order). */
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly limit = OPEN_FILES_LIMIT) {}

  /** Descriptors open (or opening) now. */
  get size(): number {
    return this.slots.size;
  }

  reader(path: string): PositionedReader {
    return { read: (buffer, offset, length, position) => this.read(path, buffer, offset, length, position) };
  }

  async close(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((s) => s.handle.then((h) => h.close(), () => {})));
  }

  private async read(path: string, buffer: Buffer, offset: number, length: number, position: number) {
    const slot = this.acquire(path);
    try {
      const handle = await slot.handle;
      return await handle.read(buffer, offset, length, position);
    } catch (error) {
      // A file that failed to open is not kept: the next read tries again.
      if (this.slots.get(path) === slot && (await isRejected(slot.handle))) this.slots.delete(path);
      throw error;
    } finally {
      slot.reads--;
      this.evict();
    }
  }

  private acquire(path: string): Slot {
    let slot = this.slots.get(path);
    if (slot) this.slots.delete(path);
    else {
      slot = { handle: open(path, 'r'), reads: 0 };
      slot.handle.catch(() => {});
    }
    this.slots.set(path, slot);
    slot.reads++;
    this.evict();
    return slot;
  }

  private evict(): void {
    for (const [path, slot] of this.slots) {
      if (this.slots.size <= this.limit) return;
      if (slot.reads > 0) continue;
      this.slots.delete(path);
      slot.handle.then((h) => h.close(), () => {}).catch(() => {});
    }
  }
}

function isRejected(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => false,
    () => true,
  );
}
