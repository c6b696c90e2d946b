// Talos' flat image cache (`talosctl images cache-create --layout flat`), indexed like a tar: every
// file under `manifests/` (`<registry>/<repository>/reference/<tag>`, `.../digest/sha256-<hex>`)
// and `blob/` (`sha256-<hex>`) is an entry named by its path from the folder, read where it lies
// (a FileSource), so the same reader serves the folder and a tar of it. Nothing is opened at start
// beyond the manifests the reader asks for.
import type { Dirent } from 'node:fs';
import { readdir } from '../source/file-handle.js';
import { join } from 'node:path';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { CACHE_BLOBS, CACHE_MANIFESTS, regularFileSize } from '../source/inputs.js';
import { FolderIndex } from './layout-folder.js';
import type { TarEntry, TarIndex } from './index.js';

/** Registry, repository components (distribution allows many, real ones have a few), kind, name. */
const MAX_DEPTH = 40;

export async function indexCacheFolder(dir: string, blocking = false): Promise<TarIndex> {
  const entries = new Map<string, TarEntry>();
  await addFiles(dir, CACHE_MANIFESTS, entries, MAX_DEPTH, blocking);
  await addFiles(dir, CACHE_BLOBS, entries, 1, blocking);
  return new FolderIndex(dir, entries, dir, blocking);
}

/** Adds the regular files below `dir/rel` (symlinks followed to files, never to folders). */
async function addFiles(dir: string, rel: string, entries: Map<string, TarEntry>, depth: number, blocking: boolean): Promise<void> {
  const children = await listDir(dir, rel, blocking);
  const sizes = await Promise.all(children.map((c) => (c.isDirectory() ? undefined : regularFileSize(join(dir, rel, c.name), blocking))));
  for (const [i, child] of children.entries()) {
    const name = `${rel}/${child.name}`;
    const size = sizes[i];
    if (size !== undefined) entries.set(name, { name, type: 'file', offset: 0, size });
    else if (child.isDirectory()) {
      if (depth <= 1) throw new LoadError(dir, `folders nested more than ${MAX_DEPTH} deep in a Talos image cache`, name);
      await addFiles(dir, name, entries, depth - 1, blocking);
    }
  }
}

async function listDir(dir: string, rel: string, blocking: boolean): Promise<Dirent[]> {
  try {
    return (await readdir(join(dir, rel), { withFileTypes: true }, blocking)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    throw new LoadError(dir, `cannot list the folder: ${fileProblem(join(dir, rel), err, 'list')}`, rel);
  }
}
