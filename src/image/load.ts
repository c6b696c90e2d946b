// tar files in, one ImageModel out. Each archive is indexed once (headers only), its format detected,
// its images read; names are merged across archives; `--verify` optionally hashes every blob.
import { LoadError } from '../load-error.js';
import type { ImageModel } from '../model.js';
import { type Input, expandInputs } from '../source/inputs.js';
import { indexLayoutFolder } from '../source/layout-folder.js';
import { type ArchiveOptions, openArchive } from '../tar/archive.js';
import type { TarIndex } from '../tar/index.js';
import { readArchive } from './layouts.js';
import { ModelBuilder } from './model-builder.js';
import { isRepositoryName } from '../reference.js';
import { repositoryFromFile } from './names.js';
import { terminalProgress } from './progress.js';
import { type VerifyOptions, verifyModel } from './verify.js';

export interface LoadOptions {
  /** Repository for images named only by a tag, or not at all (default: each tar file's base name). */
  repository?: string;
  /** Hash every blob and manifest and compare with its digest before returning. */
  verify?: boolean;
  /** Where a whole-gzip tarball is decompressed (the system temp dir by default). */
  tmpDir?: string;
  onDecompressProgress?: ArchiveOptions['onProgress'];
  onVerifyProgress?: VerifyOptions['onProgress'];
  /** A folder of archives: search its subfolders too. */
  recursive?: boolean;
}

export async function loadImages(tarPaths: string[], options: LoadOptions = {}): Promise<ImageModel> {
  if (options.repository !== undefined && !isRepositoryName(options.repository)) {
    throw new LoadError('--repository', `"${options.repository}" is not a valid repository name`);
  }
  const builder = new ModelBuilder();
  const { inputs, skipped } = await expandInputs(tarPaths, options.recursive ?? false);
  for (const path of skipped) builder.add(path, { images: [], warnings: [`${path}: not an image archive; skipped`] }, 'image');
  for (const input of inputs) {
    const index = await openInput(input, options);
    const parts = await readArchive(index);
    if (parts.every((p) => p.contents.images.length === 0)) throw new LoadError(index.file, 'holds no images to serve');
    for (const part of parts) builder.add(part.file, part.contents, options.repository ?? repositoryFromFile(input.path));
  }
  const model = builder.build();
  if (options.verify) {
    const onProgress = options.onVerifyProgress ?? terminalProgress('verifying blobs');
    await verifyModel(model, onProgress ? { onProgress } : {});
  }
  return model;
}

async function openInput(input: Input, options: LoadOptions): Promise<TarIndex> {
  if (input.kind === 'layout-folder') return indexLayoutFolder(input.path);
  const archiveOptions: ArchiveOptions = {};
  if (options.tmpDir !== undefined) archiveOptions.tmpDir = options.tmpDir;
  const onDecompress = options.onDecompressProgress ?? terminalProgress(`decompressing ${input.path}`);
  if (onDecompress) archiveOptions.onProgress = onDecompress;
  return openArchive(input.path, archiveOptions);
}
