// The single executable as a host has it: a copy. `node --build-sea` writes its 115 MiB output in
// one write, and Linux 6.18's ext4 keeps a file written that way in the page cache as 2 MiB folios,
// which a process mapping the file gets mapped whole: measured on this machine, 29 MiB more RSS (all
// clean file pages, `FilePmdMapped` in /proc/PID/smaps_rollup) than the same file copied with cp,
// downloaded, or read back from disk. A copy (or a cold read) gives small folios, as on a host that
// received the executable; so the benchmarks measure a copy, whatever the page cache holds of the original.
import { chmodSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A copy of `file` in `dir`, executable; its path. */
export function installedCopy(file, dir) {
  const copy = join(dir, `installed-${basename(file)}`);
  copyFileSync(file, copy);
  chmodSync(copy, 0o755);
  return copy;
}
