// The tar index: entry name → where its data lives. Built from headers only; links resolved inside the archive.
import { type FileHandle, open } from '../source/file-handle.js';
import type { FileSource, TarSource } from '../model.js';
import { JsonSyntaxError, parseJSONBytes } from '../json.js';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { BLOCK, type EntryType, decodeHeader } from './header.js';
import { looksLike } from '../source/looks.js';
import { PathError, normalizeEntryName, symlinkTarget } from './paths.js';
import { WalkError, walkEntries } from './walk.js';

export type { EntryType } from './header.js';

export interface TarEntry {
  name: string;
  type: EntryType;
  /** Offset of the entry's data in the tar file. */
  offset: number;
  size: number;
  linkname?: string;
}

/** JSON entries (manifest.json, index.json, configs, manifests) are small; a larger one is refused. */
export const JSON_CAP = 4 * 1024 * 1024;
/** Longest chain of links followed before calling it a loop (Linux's limit for symlinks). */
const MAX_LINKS = 40;

/** The open file the reads inside `TarIndex.withFile` share, with the indexes of its subtrees. */
interface SharedFile {
  scopes: number;
  handle?: Promise<FileHandle>;
}

export class TarIndex {
  constructor(
    /** The tar file read: the user's file, or the decompressed copy of a whole-gzip tarball. */
    readonly path: string,
    readonly entries: Map<string, TarEntry>,
    /** The file as the user named it, for error messages. */
    readonly file: string = path,
    /**
     * Reads may block the event loop: nothing is served yet (a start, a one-shot command). Each read
     * is then a system call, not a round trip through libuv's thread pool; a reload while serving
     * reads asynchronously. A start on an archive of 300 layers: docs/release.md (Start-up).
     */
    readonly blocking = false,
    private readonly shared: SharedFile = { scopes: 0 },
  ) {}

  /**
   * Runs `read` with one open file for the reads it makes of this index (and of its subtrees),
   * closed when it ends. Outside, each read opens the file: a docker save archive is sniffed layer
   * by layer, and for 300 layers that was 900 round trips through libuv's thread pool
   * (docs/release.md, Start-up).
   */
  async withFile<T>(read: () => Promise<T>): Promise<T> {
    this.shared.scopes++;
    try {
      return await read();
    } finally {
      if (--this.shared.scopes === 0 && this.shared.handle !== undefined) {
        const handle = this.shared.handle;
        this.shared.handle = undefined;
        await handle.then((h) => h.close(), () => undefined);
      }
    }
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** The regular file a name leads to, following symlinks and hardlinks; undefined when absent. */
  resolve(name: string): TarEntry | undefined {
    let entry = this.entries.get(name);
    for (let hops = 0; entry && (entry.type === 'symlink' || entry.type === 'hardlink'); hops++) {
      if (hops === MAX_LINKS) throw new LoadError(this.file, 'link loop', name);
      entry = this.entries.get(linkTarget(entry));
    }
    return entry?.type === 'file' ? entry : undefined;
  }

  /** Like resolve, but a missing entry is a start-up error naming it. */
  require(name: string): TarEntry {
    const entry = this.resolve(name);
    if (!entry) throw new LoadError(this.file, 'missing from the archive', name);
    return entry;
  }

  source(name: string): TarSource | FileSource {
    const { offset, size } = this.require(name);
    return { kind: 'tar', path: this.path, offset, size };
  }

  /**
   * The entries below `prefix` (`images/`), named relative to it: an OCI layout inside the archive
   * (a Zarf package's `images/`) read as if it were the whole archive. Links are resolved here,
   * since their targets are named from the archive's root.
   */
  subtree(prefix: string, file: string): TarIndex {
    const entries = new Map<string, TarEntry>();
    for (const name of this.entries.keys()) {
      if (!name.startsWith(prefix) || name === prefix) continue;
      const target = this.resolve(name);
      if (target) entries.set(name.slice(prefix.length), { ...target, name: name.slice(prefix.length) });
    }
    return new TarIndex(this.path, entries, file, this.blocking, this.shared);
  }

  async readHead(name: string, length: number): Promise<Buffer> {
    const entry = this.require(name);
    return this.readAt(entry, Math.min(length, entry.size));
  }

  async readBytes(name: string, cap = JSON_CAP): Promise<Buffer> {
    const entry = this.require(name);
    if (entry.size > cap) {
      throw new LoadError(this.file, `is ${entry.size} bytes, more than the ${cap}-byte limit for metadata`, name);
    }
    return this.readAt(entry, entry.size);
  }

  async readJSON(name: string, cap = JSON_CAP): Promise<unknown> {
    return this.parseJSON(name, await this.readBytes(name, cap));
  }

  /** Parses the bytes of entry `name` already read (when they are also hashed or served). */
  parseJSON(name: string, bytes: Buffer): unknown {
    try {
      return parseJSONBytes(bytes);
    } catch (err) {
      if (err instanceof JsonSyntaxError) throw new LoadError(this.file, err.message, name);
      throw err;
    }
  }

  /** The first `length` bytes of a regular entry's data. */
  protected async readAt(entry: TarEntry, length: number): Promise<Buffer> {
    const shared = this.shared.scopes > 0;
    if (shared) this.shared.handle ??= open(this.path, 'r', this.blocking);
    const file = await (shared ? this.shared.handle! : open(this.path, 'r', this.blocking));
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, entry.offset);
      if (bytesRead !== length) throw new LoadError(this.file, 'archive changed or was truncated while reading');
      return buffer;
    } finally {
      if (!shared) await file.close();
    }
  }
}

function linkTarget(entry: TarEntry): string {
  const target = entry.linkname ?? '';
  // Hardlink names are archive paths; symlink targets are relative to the link's directory.
  return entry.type === 'hardlink' ? normalizeEntryName(target) : symlinkTarget(entry.name, target);
}

/**
 * Opens `path` for reading (`blocking`: see ../source/file-handle.ts); a failure is a start-up error
 * naming `file` and the system's code.
 */
export async function openForReading(path: string, file = path, blocking = false): Promise<FileHandle> {
  try {
    return await open(path, 'r', blocking);
  } catch (err) {
    throw new LoadError(file, fileProblem(path, err));
  }
}

/** A tar held inside a file, `size` bytes from `offset` (an uncompressed image layer). */
export interface ByteSpan {
  offset: number;
  size: number;
}

/**
 * Reads only the headers of `path` (or of the tar at `span` in it) and returns its index;
 * LoadError for anything malformed or hostile.
 */
export async function indexTar(path: string, file = path, span?: ByteSpan, blocking = false): Promise<TarIndex> {
  const handle = await openForReading(path, file, blocking);
  try {
    const base = span?.offset ?? 0;
    const size = span?.size ?? (await handle.stat()).size;
    if (size === 0) throw new LoadError(file, 'is empty, not a tar archive');
    const raw = await walkEntries(handle, size, base).catch(async (err: unknown) => {
      if (!(err instanceof WalkError)) throw err;
      const notTar = err.offset === 0 ? await notTarProblem(handle, base) : undefined;
      throw new LoadError(file, notTar ?? `${err.message} at byte ${err.offset}`);
    });
    const entries = new Map<string, TarEntry>();
    for (const r of raw) {
      const name = checkedName(file, r.name);
      if (name === '') continue;
      const entry: TarEntry = { name, type: r.type, offset: r.offset, size: r.size };
      if (r.type === 'symlink' || r.type === 'hardlink') entry.linkname = r.linkname;
      const previous = entries.get(name);
      if (previous && !(previous.type === 'directory' && entry.type === 'directory')) {
        throw new LoadError(file, 'duplicate entry', name);
      }
      entries.set(name, entry);
    }
    const index = new TarIndex(path, entries, file, blocking);
    checkLinks(index);
    return index;
  } finally {
    await handle.close();
  }
}

/** When the first block is no tar header: what the file looks like instead. */
async function notTarProblem(handle: FileHandle, base: number): Promise<string | undefined> {
  const head = Buffer.alloc(4096);
  const { bytesRead } = await handle.read(head, 0, head.length, base);
  if (bytesRead >= BLOCK) {
    try {
      decodeHeader(head.subarray(0, BLOCK));
      return undefined;
    } catch {
      // not a header: described below
    }
  }
  return `is not a tar archive (it looks like ${looksLike(head.subarray(0, bytesRead))})`;
}

function checkedName(file: string, name: string): string {
  try {
    return normalizeEntryName(name);
  } catch (err) {
    if (err instanceof PathError) throw new LoadError(file, err.message, name);
    throw err;
  }
}

/** Every link must stay inside the archive and end somewhere; loops and escapes stop start-up. */
function checkLinks(index: TarIndex): void {
  for (const entry of index.entries.values()) {
    if (entry.type !== 'symlink' && entry.type !== 'hardlink') continue;
    try {
      index.resolve(entry.name);
    } catch (err) {
      if (err instanceof PathError) throw new LoadError(index.file, err.message, entry.name);
      throw err;
    }
  }
}
