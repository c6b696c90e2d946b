// Temporary space for a decompressed archive that is never left behind, whatever ends the process
// (exit, a signal, SIGKILL, a crash, power loss): the file is created and unlinked at once, and only
// its open descriptor keeps it alive; the kernel frees the space when the process ends.
//
// Reading it back: the model names a blob's bytes by path (Source `{kind:'tar', path, ...}`), and
// every reader opens paths (SourceFiles, TarIndex). On Linux `/proc/self/fd/N` of the held
// descriptor is such a path: opening it gives a new descriptor of the same (unlinked) file, so the
// readers stay as they are, with no handle table threaded through the model. Elsewhere (no /proc)
// the file keeps its name and is removed at exit, and by the signal handlers of src/source/signals.ts.
import { closeSync, constants, existsSync, openSync, rmSync, statfsSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface TempFile {
  /** The open descriptor to write through. */
  fd: number;
  /** A path that opens this file for reading for as long as the process lives. */
  path: string;
  /** Frees the space now (after a failed decompression); the path is unusable afterwards. */
  release(): void;
}

const PROC_FD = '/proc/self/fd';
const named = new Set<string>();

export function createTempFile(dir: string, stem: string): TempFile {
  const name = join(dir, `seed-registry-${process.pid}-${randomBytes(6).toString('hex')}-${stem}`);
  const fd = openSync(name, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  if (existsSync(PROC_FD)) {
    unlinkSync(name);
    return { fd, path: `${PROC_FD}/${fd}`, release: () => closeSync(fd) };
  }
  removeAtExit(name);
  return {
    fd,
    path: name,
    release: () => {
      closeSync(fd);
      rmSync(name, { force: true });
      named.delete(name);
    },
  };
}

/** Bytes an unprivileged process may still write in `dir`'s file system. */
export function freeSpace(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Files that keep a name (no /proc): removed when the process exits. */
export function removeNamedTempFiles(): void {
  for (const name of named) rmSync(name, { force: true });
  named.clear();
}

function removeAtExit(name: string): void {
  if (named.size === 0) process.once('exit', removeNamedTempFiles);
  named.add(name);
}
