// A file's identity: which file it is (device, inode) and which version of it (size, mtime, ctime).
// Blobs are served from offsets an index read once; those offsets stay true only while the file is
// the version that was indexed. Linux updates mtime and ctime before a write copies any data
// (file_modified() in the write path) and on truncate, so a file whose identity is unchanged after a
// read was not being written when that read ran (on file systems with coarse timestamps, such as
// vfat's 2 s, only a change of size is certain to show). ctime also moves when the file loses a
// name (removed, or replaced by a rename over it): a change of link count explains a moved ctime, so
// a transfer from a file replaced or removed under it goes on; the data of such a file is as it was.
import type { Stats } from 'node:fs';

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Names the file has: 0 once removed or replaced. */
  nlink: number;
}

export function identityOf(stats: Stats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, nlink: stats.nlink };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  if (a.ino !== b.ino || a.dev !== b.dev || a.size !== b.size || a.mtimeMs !== b.mtimeMs) return false;
  return a.ctimeMs === b.ctimeMs || a.nlink !== b.nlink;
}

/** Same file (device and inode): a change is then made in place, not by putting another file there. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** How `now` differs from `was`, for a log line: `grew from 10 to 20 bytes`, `rewritten in place`. */
export function describeIdentityChange(was: FileIdentity, now: FileIdentity): string {
  if (!sameFile(was, now)) return 'replaced by another file';
  if (now.size < was.size) return `truncated from ${was.size} to ${now.size} bytes`;
  if (now.size > was.size) return `grew from ${was.size} to ${now.size} bytes`;
  return now.mtimeMs !== was.mtimeMs ? 'rewritten in place' : 'changed in place (its ctime moved: rewritten with its mtime kept, renamed, or its mode changed)';
}
