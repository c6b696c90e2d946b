// The identity each tar file had when it was indexed, checked on the open descriptor before a
// transfer and after every read of one: a file changed in place (overwritten, truncated, appended)
// no longer matches the offsets of its index, so its blobs stop being served at once, before a
// wrong byte goes out. The check is on the descriptor, not the path: a file replaced by another
// (renamed over, written anew) leaves this one as it was, and transfers from it finish.
import { fstatSync } from 'node:fs';
import { describeIdentityChange, type FileIdentity, identityOf, sameIdentity } from './identity.js';

/** Told once per file, the first time a check finds it changed. */
export type OnFileChanged = (path: string, problem: string) => void;

export class PinnedFiles {
  /** path → why its blobs are no longer served */
  private readonly changed = new Map<string, string>();

  constructor(
    private readonly pinned: ReadonlyMap<string, FileIdentity> = new Map(),
    private readonly onChanged: OnFileChanged = () => {},
  ) {}

  /** Why `path` (open as `fd`) can no longer be served from, or undefined while it is as indexed. */
  check(path: string, fd: number): string | undefined {
    const was = this.pinned.get(path);
    if (was === undefined) return undefined;
    const known = this.changed.get(path);
    if (known !== undefined) return known;
    // Synchronous: one fstat costs about a microsecond, less than a trip through the thread pool.
    const now = identityOf(fstatSync(fd));
    return sameIdentity(was, now) ? undefined : this.stop(path, describeIdentityChange(was, now));
  }

  /** Checks every pinned file that is open; returns the problems found (old and new). */
  checkAll(fds: ReadonlyMap<string, number>): string[] {
    const problems: string[] = [];
    for (const [path, fd] of fds) {
      const problem = this.check(path, fd);
      if (problem !== undefined) problems.push(`${path}: ${problem}`);
    }
    return problems;
  }

  private stop(path: string, problem: string): string {
    this.changed.set(path, problem);
    this.onChanged(path, problem);
    return problem;
  }
}

/** A transfer found its file changed after the headers went out: the response is cut. */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem} while a blob was read from it`);
  }
}
