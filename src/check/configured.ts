// What `configure --check` hands to the checks: the files it made (read from --out, or as printed)
// and every image the archives hold, by its original name.
import type { ImageModel } from '../model.js';
import { folderFiles, generatedFiles, type NodeFiles } from './files.js';
import type { ImageName } from '../image/names.js';

export { checkSeed } from './run.js';

export function nodeFilesOf(files: { path: string; contents: string }[], out: string | undefined): NodeFiles {
  return out !== undefined ? folderFiles(out) : generatedFiles(files, '(printed above)');
}

/** One name per image: its first tag, or its digest when it has none. */
export function imagesOf(model: ImageModel): ImageName[] {
  const seen = new Set<string>();
  const names: ImageName[] = [];
  for (const image of model.images) {
    const name: ImageName = { registry: image.registry, repository: image.repository, ...(image.tag !== undefined ? { tag: image.tag } : { digest: image.digest }) };
    const key = `${name.registry}/${name.repository}:${name.tag ?? name.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}
