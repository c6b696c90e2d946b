// What each archive file held when it was last read, kept while that file is unchanged, so that
// loading again after one file changed reads only that file: a folder of compressed archives is not
// decompressed again for every archive added beside it. Each entry keeps the identity its file had
// when read (src/source/identity.ts): the registry checks served files against it. Decompressed
// copies belong to their entry and are freed once no load under way or served uses it; a snapshot
// still reading one holds its own descriptor, so its transfers finish.
import { stat } from '../source/file-handle.js';
import { LoadError } from '../load-error.js';
import { type FileIdentity, identityOf, sameIdentity } from '../source/identity.js';
import type { TempFile } from '../source/temp.js';
import type { ArchivePart } from './layouts.js';

interface Entry {
  identity: FileIdentity;
  parts: ArchivePart[];
  temps: TempFile[];
}

/** An archive that changed while it was read: still being written, not broken. */
export class ChangedWhileLoadingError extends LoadError {
  constructor(path: string) {
    super(path, 'changed while it was being loaded');
  }
}

export class LoadedArchives {
  /** Entries of the content being served. */
  private kept = new Map<string, Entry>();
  /** Entries of the load under way. */
  private pending = new Map<string, Entry>();
  private reuse = true;

  /**
   * The parts of archive `path`: those read earlier while the file is unchanged, else read now by
   * `read`. `blocking`: its file is stated without the thread pool (../source/file-handle.ts).
   */
  async read(path: string, read: (onTempFile: (temp: TempFile) => void) => Promise<ArchivePart[]>, blocking = false): Promise<ArchivePart[]> {
    const before = await identityAt(path, blocking);
    if (before === undefined) return read(() => {});
    const known = this.pending.get(path) ?? (this.reuse ? this.kept.get(path) : undefined);
    if (known !== undefined && sameIdentity(known.identity, before)) {
      this.pending.set(path, known);
      return known.parts;
    }
    const temps: TempFile[] = [];
    const release = () => temps.forEach((t) => t.release());
    const parts = await read((temp) => temps.push(temp)).catch((error: unknown) => {
      release();
      throw error;
    });
    const after = await identityAt(path, blocking);
    if (after === undefined || !sameIdentity(before, after)) {
      release();
      throw new ChangedWhileLoadingError(path);
    }
    this.pending.set(path, { identity: before, parts, temps });
    return parts;
  }

  /** Identity of each archive file of the load under way, as it was read. */
  identities(): Map<string, FileIdentity> {
    return new Map([...this.pending].map(([path, entry]) => [path, entry.identity]));
  }

  /** The next load reads every archive again (SIGHUP), reusing nothing. */
  readAllAgain(): void {
    this.reuse = false;
  }

  /** The load under way is now served: entries it no longer uses free their copies. */
  commit(): void {
    this.drop(this.kept, this.pending);
    this.kept = this.pending;
    this.pending = new Map();
    this.reuse = true;
  }

  /** The load under way is dropped: entries only it made free their copies. */
  abort(): void {
    this.drop(this.pending, this.kept);
    this.pending = new Map();
    this.reuse = true;
  }

  private drop(from: Map<string, Entry>, keeping: Map<string, Entry>): void {
    const kept = new Set(keeping.values());
    for (const entry of from.values()) if (!kept.has(entry)) for (const temp of entry.temps) temp.release();
  }
}

async function identityAt(path: string, blocking: boolean): Promise<FileIdentity | undefined> {
  const stats = await stat(path, blocking).catch(() => undefined);
  return stats?.isFile() ? identityOf(stats) : undefined;
}
