// What each `--tar` names: an archive file, an OCI layout folder, or a folder of archives (k3s's
// `agent/images/`: any mix of formats). A folder's archives are taken in name order, so the same
// folder always loads the same way. An OCI layout or Talos cache folder in it is an input like an
// archive; other subfolders are searched only with `recursive`, and named in a warning when not. Archives are told by their
// first bytes, never by their names (a compression the codec table refuses still counts, so its
// refusal names it); other files are skipped and reported. Dot-files and `*.part` are files being
// written (`cp x.tar .x.tar && mv .x.tar x.tar`, download managers, rsync's `.name.XXXXXX`): never
// read nor reported.
import { readdir, stat } from './file-handle.js';
import { join } from 'node:path';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { codecOf } from './codecs.js';
import { readHead } from './input.js';

export type Input = { kind: 'archive' | 'layout-folder' | 'cache-folder'; path: string };

export interface Inputs {
  inputs: Input[];
  /** Files in a folder that are not archives (an image list, a checksum file). */
  skipped: string[];
  /** Subfolders not searched (no `recursive`). */
  unsearched: string[];
}

/** `ustar` sits at byte 257 of a tar header; compressed archives are told by the codec table. */
const USTAR = Buffer.from('ustar');
const USTAR_AT = 257;

/** A name in a folder that is never an input: a dot-file or a `*.part` (a file still being written). */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.part');
}

/**
 * `accept`: which files found in folders to take now (live content passes those that have settled);
 * with it, a folder holding none is empty for now rather than a mistake. `blocking`: files are stated
 * and read without the thread pool, for a load nothing is served during (./file-handle.ts).
 */
export async function expandInputs(paths: string[], recursive: boolean, accept?: (path: string) => boolean, blocking = false): Promise<Inputs> {
  const found: Inputs = { inputs: [], skipped: [], unsearched: [] };
  for (const path of paths) {
    const info = await stat(path, blocking).catch(() => undefined);
    if (!info?.isDirectory()) found.inputs.push({ kind: 'archive', path });
    else if (await isLayoutFolder(path, blocking)) found.inputs.push({ kind: 'layout-folder', path });
    else if (await isCacheFolder(path, blocking)) found.inputs.push({ kind: 'cache-folder', path });
    else {
      const before = found.inputs.length;
      await scanFolder(path, recursive, found, accept ?? (() => true), blocking);
      if (found.inputs.length === before && accept === undefined) throw new LoadError(path, noArchiveProblem(recursive));
    }
  }
  return found;
}

function noArchiveProblem(recursive: boolean): string {
  const where = recursive ? 'in it or its subfolders' : 'in it (subfolders are searched with --recursive)';
  return `a folder with no image archive (tar, tar.gz, tar.zst) and no OCI layout ${where}`;
}

async function scanFolder(dir: string, recursive: boolean, found: Inputs, accept: (path: string) => boolean, blocking: boolean): Promise<void> {
  const names = (await readdir(dir, undefined, blocking).catch((err: NodeJS.ErrnoException) => {
    throw new LoadError(dir, `cannot list the folder: ${fileProblem(dir, err, 'list')}`);
  })).sort();
  for (const name of names) {
    if (isIgnoredName(name)) continue;
    const path = join(dir, name);
    const info = await stat(path, blocking).catch(() => undefined);
    if (info?.isDirectory()) {
      // `skopeo copy ... oci:DIR` beside the archives is an image, as an archive would be.
      if (await isLayoutFolder(path, blocking)) found.inputs.push({ kind: 'layout-folder', path });
      else if (await isCacheFolder(path, blocking)) found.inputs.push({ kind: 'cache-folder', path });
      else if (recursive) await scanFolder(path, recursive, found, accept, blocking);
      else found.unsearched.push(path);
    } else if (!accept(path)) {
      continue;
    } else if (info?.isFile() && (await looksLikeArchive(path, blocking))) {
      found.inputs.push({ kind: 'archive', path });
    } else {
      found.skipped.push(path);
    }
  }
}

async function looksLikeArchive(path: string, blocking: boolean): Promise<boolean> {
  const bytes = await readHead(path, USTAR_AT + USTAR.length, blocking).catch(() => undefined);
  if (!bytes) return false;
  if (codecOf(bytes)) return true;
  return bytes.subarray(USTAR_AT, USTAR_AT + USTAR.length).equals(USTAR);
}

/** An OCI image layout's file names (image-spec image-layout.md), read by the folder index and the readers. */
export const OCI_LAYOUT = 'oci-layout';
export const INDEX_JSON = 'index.json';
/** hauler's full index beside a `--containerd` filtered index.json (src/image/readers/hauler.ts). */
export const HAULER_INDEX_JSON = 'hauler-index.json';

/**
 * True when `dir` holds an `oci-layout` file, or `index.json` beside `blobs/` (a hauler store, which
 * writes no `oci-layout`; src/image/readers/hauler.ts): it is served as one layout, not as a folder
 * of archives.
 */
export async function isLayoutFolder(dir: string, blocking = false): Promise<boolean> {
  if ((await regularFileSize(join(dir, OCI_LAYOUT), blocking)) !== undefined) return true;
  const blobs = await stat(join(dir, 'blobs'), blocking).catch(() => undefined);
  return blobs?.isDirectory() === true && (await regularFileSize(join(dir, INDEX_JSON), blocking)) !== undefined;
}

/** Talos' flat image cache (`talosctl images cache-create --layout flat`, siderolabs/talos pkg/imager/cache). */
export const CACHE_MANIFESTS = 'manifests';
export const CACHE_BLOBS = 'blob';

/** True when `dir` holds the two folders of a Talos flat image cache: `manifests/` and `blob/`. */
export async function isCacheFolder(dir: string, blocking = false): Promise<boolean> {
  const kinds = await Promise.all([CACHE_MANIFESTS, CACHE_BLOBS].map((name) => stat(join(dir, name), blocking).catch(() => undefined)));
  return kinds.every((s) => s?.isDirectory() === true);
}

export async function regularFileSize(path: string, blocking = false): Promise<number | undefined> {
  const s = await stat(path, blocking).catch(() => undefined);
  return s?.isFile() ? s.size : undefined;
}
