// What live content watches (./live.ts): the files whose change changes what is served, with their
// identity, and the folders to watch for events.
import { statSync } from 'node:fs';
import { stat } from '../source/file-handle.js';
import { dirname, join } from 'node:path';
import { type FileIdentity, identityOf } from '../source/identity.js';
import { expandInputs, HAULER_INDEX_JSON, INDEX_JSON } from '../source/inputs.js';

/**
 * Every file whose change changes what is served, with its identity: archives (named or found in a
 * folder, whatever they hold: a file still being copied may not look like an archive yet) and the
 * index files of OCI layout folders. Talos cache folders change only on SIGHUP.
 */
export async function scanFiles(tars: string[], recursive: boolean, blocking = false): Promise<Map<string, FileIdentity>> {
  const { inputs, skipped } = await expandInputs(tars, recursive, () => true, blocking);
  const paths: string[] = [...skipped];
  for (const input of inputs) {
    if (input.kind === 'archive') paths.push(input.path);
    else if (input.kind === 'layout-folder') paths.push(join(input.path, INDEX_JSON), join(input.path, HAULER_INDEX_JSON));
  }
  const files = new Map<string, FileIdentity>();
  for (const path of paths) {
    const stats = await stat(path, blocking).catch(() => undefined);
    if (stats?.isFile()) files.set(path, identityOf(stats));
  }
  return files;
}

/** The folders to watch: each folder given, and the folder of each file given. */
export function watchedFolders(tars: string[]): string[] {
  return [...new Set(tars.map((path) => (isFolderSync(path) ? path : dirname(path))))];
}

function isFolderSync(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function pick(files: ReadonlyMap<string, FileIdentity>, keys: ReadonlyMap<string, unknown>): Map<string, FileIdentity> {
  return new Map([...files].filter(([path]) => keys.has(path)));
}
