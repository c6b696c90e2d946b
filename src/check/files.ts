// The runtime configuration a check reads: a folder on the node (`--config DIR`), or the files
// `configure` has just made (`configure --check`, written or only printed). Paths are relative to
// the folder; absolute paths (k3s' ca_file) are read from the node as they are.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface NodeFiles {
  /** How to name a file in a message: `DIR/docker.io/hosts.toml`. */
  describe(path: string): string;
  read(path: string): string | undefined;
  /** Names of the files directly in `dir`, sorted. */
  list(dir: string): string[];
}

export function folderFiles(dir: string): NodeFiles {
  const at = (path: string) => (isAbsolute(path) ? path : join(dir, path));
  return {
    describe: at,
    read(path) {
      try {
        return readFileSync(at(path), 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new Error(`${at(path)}: cannot read (${code ?? (error as Error).message})`);
      }
    },
    list(sub) {
      try {
        return readdirSync(at(sub)).sort();
      } catch {
        return [];
      }
    },
  };
}

/** What configure made, before or instead of writing it; absolute paths still come from the node. */
export function generatedFiles(files: { path: string; contents: string }[], label: string): NodeFiles {
  const byPath = new Map(files.map((f) => [f.path, f.contents]));
  const disk = folderFiles('/');
  return {
    describe: (path) => (isAbsolute(path) ? path : `${label}/${path}`),
    read: (path) => (isAbsolute(path) ? disk.read(path) : byPath.get(path)),
    list: (dir) => [...byPath.keys()].filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)).sort(),
  };
}
