import { LoadError } from '../../load-error.js';
import type { TarIndex } from '../../tar/index.js';

/** Parses an entry's bytes already read (when the bytes are also needed, e.g. to hash or serve them). */
export function parseEntryJSON(index: TarIndex, entry: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new LoadError(index.file, `invalid JSON (${(err as Error).message})`, entry);
  }
}
