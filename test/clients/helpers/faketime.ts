// Debian's faketime (libfaketime) for one process: its clock moved, everyone else's left alone.
// The library is preloaded directly rather than through the `faketime` command, which forks and
// does not pass SIGTERM on to the program it runs (the seed would outlive its stop()).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** libfaketimeMT: the multi-threaded variant, for node (libuv's threads read the clock too). */
function library(): string {
  for (const dir of ['/usr/lib', ...readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')).map((d) => join('/usr/lib', d))]) {
    const path = join(dir, 'faketime', 'libfaketimeMT.so.1');
    if (existsSync(path)) return path;
  }
  throw new Error('libfaketime not found: apt-get install -y faketime  (or: bash scripts/install-test-deps.sh)');
}

/**
 * The variables that run a program with its clock at `spec`: `+1d`, `-3h` (relative to the
 * real clock, which keeps running), or `@2020-01-01 00:00:00` (starting there).
 */
export function fakeTimeEnv(spec: string): Record<string, string> {
  return { LD_PRELOAD: library(), FAKETIME: spec };
}
