// Writes small tar files for tests with tar-stream's packer.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export interface PackEntry {
  name: string;
  /** File contents; a string is written as UTF-8, an object as JSON. */
  data?: Buffer | string | object;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
  /** Extra pax headers, e.g. { path: 'long/name' }. */
  pax?: Record<string, string>;
}

function toBuffer(data: PackEntry['data']): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  return Buffer.from(JSON.stringify(data));
}

export async function packTar(path: string, entries: PackEntry[]): Promise<string> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? toBuffer(e.data) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, linkname: e.linkname, size: body.length, mtime: new Date(0), pax: e.pax };
      pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return path;
}

/** Folders tempDir made in this test file. */
const made: string[] = [];

export async function tempDir(prefix = 'seed-registry-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Removes them: test/helpers/cleanup.ts runs it after each test file. Left behind, the hostile
 * corpus alone was 414 MiB a run, and a day of runs filled this machine's disk.
 */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
