// Image names as an archive states them (RepoTags, `io.containerd.image.name`), checked against the
// reference grammar so a bad one is a start-up error naming the entry it came from.
import { LoadError } from '../../load-error.js';
import type { TarIndex } from '../../tar/index.js';
import { type ImageName, parseImageName } from '../names.js';

/** Docker's rule for a reference without a tag. */
const DEFAULT_TAG = 'latest';

export function parseArchiveName(index: TarIndex, entry: string, ref: string): ImageName {
  let name: ImageName;
  try {
    name = parseImageName(ref);
  } catch (err) {
    throw new LoadError(index.file, (err as Error).message, entry);
  }
  if (name.tag === undefined && name.digest === undefined) name.tag = DEFAULT_TAG;
  return name;
}

export function parseNameList(index: TarIndex, entry: string, refs: string[]): ImageName[] {
  return refs.map((ref) => parseArchiveName(index, entry, ref));
}
