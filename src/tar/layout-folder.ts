// An OCI image layout folder (`skopeo copy ... oci:DIR`, Talos' image cache, an unpacked Zarf
// `images/`), indexed like a tar: `oci-layout`, `index.json` and `blobs/<alg>/<hex>` are its
// entries, so the same format reader serves it. Each blob is its own file, read where it lies
// (a FileSource); nothing is opened at start beyond the metadata the reader asks for.
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readdir, stat } from '../source/file-handle.js';
import { join } from 'node:path';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import type { FileSource, TarSource } from '../model.js';
import { HAULER_INDEX_JSON, INDEX_JSON, OCI_LAYOUT, regularFileSize } from '../source/inputs.js';
import { beforeBlockingCall } from '../source/file-handle.js';
import { TarIndex, type TarEntry } from './index.js';

const BLOBS = 'blobs';

/** A folder read as an archive: each entry is the file of that relative name, read where it lies. */
export class FolderIndex extends TarIndex {
  override source(name: string): TarSource | FileSource {
    const entry = this.require(name);
    return { kind: 'file', path: join(this.path, entry.name), offset: 0, size: entry.size };
  }

  protected override async readAt(entry: TarEntry, length: number): Promise<Buffer> {
    const path = join(this.path, entry.name);
    const buffer = Buffer.alloc(length);
    let bytesRead: number;
    if (this.blocking) await beforeBlockingCall();
    try {
      bytesRead = this.blocking ? readStartBlocking(path, buffer) : await readStart(path, buffer);
    } catch (err) {
      throw new LoadError(this.file, fileProblem(path, err), entry.name);
    }
    if (bytesRead !== length) throw new LoadError(this.file, 'changed or was truncated while reading', entry.name);
    return buffer;
  }
}

/** Reads the start of the file at `path` into `buffer`: the bytes read. */
async function readStart(path: string, buffer: Buffer): Promise<number> {
  const file = await open(path, 'r');
  try {
    return (await file.read(buffer, 0, buffer.length, 0)).bytesRead;
  } finally {
    await file.close();
  }
}

/** The same with system calls that block: a load nothing is served during (TarIndex's `blocking`). */
function readStartBlocking(path: string, buffer: Buffer): number {
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
}

export async function indexLayoutFolder(dir: string, blocking = false): Promise<TarIndex> {
  const entries = new Map<string, TarEntry>();
  const index = await regularFileSize(join(dir, INDEX_JSON), blocking);
  if (index === undefined) throw new LoadError(dir, `an OCI layout folder needs a regular file ${INDEX_JSON}`);
  entries.set(INDEX_JSON, { name: INDEX_JSON, type: 'file', offset: 0, size: index });
  // Whether a folder without oci-layout is a layout (a hauler store) is for the reader to tell.
  for (const name of [OCI_LAYOUT, HAULER_INDEX_JSON]) {
    const size = await regularFileSize(join(dir, name), blocking);
    if (size !== undefined) entries.set(name, { name, type: 'file', offset: 0, size });
  }
  for (const algorithm of await listDir(join(dir, BLOBS), blocking)) {
    const names = await listDir(join(dir, BLOBS, algorithm), blocking);
    const sizes = await Promise.all(names.map((n) => regularFileSize(join(dir, BLOBS, algorithm, n), blocking)));
    names.forEach((n, i) => {
      const size = sizes[i];
      const name = `${BLOBS}/${algorithm}/${n}`;
      if (size !== undefined) entries.set(name, { name, type: 'file', offset: 0, size });
    });
  }
  return new FolderIndex(dir, entries, dir, blocking);
}

async function listDir(path: string, blocking: boolean): Promise<string[]> {
  const s = await stat(path, blocking).catch(() => undefined);
  if (!s?.isDirectory()) return [];
  const names = await readdir(path, undefined, blocking).catch((err: unknown) => {
    throw new LoadError(path, `cannot list the folder: ${fileProblem(path, err, 'list')}`);
  });
  return names.sort();
}
