// Inputs in, one ImageModel out. Each `--tar` is an archive, an OCI layout folder or a folder of
// archives (src/source/inputs.ts); each archive is indexed once (headers only), every layout in it
// found and read; names are merged across all of them; `--verify` optionally hashes every blob.
import { LoadError } from '../load-error.js';
import type { ImageModel } from '../model.js';
import { type Input, expandInputs } from '../source/inputs.js';
import type { TarIndex } from '../tar/index.js';
import { indexLayoutFolder } from '../tar/layout-folder.js';
import { indexCacheFolder } from '../tar/cache-folder.js';
import { type ArchiveOptions, openArchive } from '../tar/archive.js';
import { type ArchivePart, readArchive } from './layouts.js';
import type { LoadedArchives } from './archive-cache.js';
import { ModelBuilder } from './model-builder.js';
import { isRepositoryName } from '../reference.js';
import { repositoryFromFile } from './names.js';
import { exitOnSignal } from './interrupt.js';
import { terminalProgress } from './progress.js';
import { type VerifyOptions, verifyModel } from './verify.js';

export interface LoadOptions {
  /** Repository for images named only by a tag, or not at all (default: each tar file's base name). */
  repository?: string;
  /** Hash every blob and manifest and compare with its digest before returning. */
  verify?: boolean;
  /** Where a compressed tarball is decompressed: $TMPDIR or the system temp dir by default. */
  tmpDir?: string;
  /** Most bytes a compressed archive may decompress to (64 GiB by default). */
  maxDecompressedSize?: number;
  onDecompressProgress?: ArchiveOptions['onProgress'];
  onVerifyProgress?: VerifyOptions['onProgress'];
  /** A folder of archives: search its subfolders too. */
  recursive?: boolean;
  /** Refuse a tag two inputs claim for different content (default: the first keeps it, src/image/tag-claims.ts). */
  strict?: boolean;
  /**
   * Files of a folder to take now (live content: those that have settled); the others are neither
   * loaded nor reported, and a folder left with none is served empty instead of refused.
   */
  accept?: (path: string) => boolean;
  /** Archives read by an earlier load, reused while their file is unchanged (./archive-cache.ts). */
  archives?: LoadedArchives;
  /** Nothing is served while loading (loadImages: a start, a one-shot command): reads may block. */
  blocking?: boolean;
}

/**
 * A load nothing is served during (a start, a one-shot command): a signal stops it with one line,
 * and its reads may block the event loop.
 */
export async function loadImages(tarPaths: string[], options: LoadOptions = {}): Promise<ImageModel> {
  if (options.repository !== undefined && !isRepositoryName(options.repository)) {
    throw new LoadError('--repository', `"${options.repository}" is not a valid repository name`);
  }
  let current = tarPaths[0] ?? '';
  return exitOnSignal(
    () => current,
    () => loadModel(tarPaths, { ...options, blocking: true }, (what) => (current = what)),
  );
}

/** The loading itself, without signal handlers: also what live content calls while serving. */
export async function loadModel(tarPaths: string[], options: LoadOptions = {}, loading: (what: string) => void = () => {}): Promise<ImageModel> {
  const builder = new ModelBuilder({ strict: options.strict ?? false });
  const { inputs, skipped, unsearched } = await expandInputs(tarPaths, options.recursive ?? false, options.accept, options.blocking);
  for (const input of inputs) {
    loading(input.path);
    const parts = await readInput(input, options);
    if (parts.every((p) => p.contents.images.length === 0)) throw new LoadError(input.path, 'holds no images to serve');
    for (const part of parts) builder.add(part.file, part.contents, () => options.repository ?? repositoryFromFile(input.path), input.path);
  }
  const model = builder.build();
  model.warnings.unshift(
    ...skipped.map((path) => `${path}: not an image archive; skipped`),
    ...unsearched.map((path) => `${path}: a subfolder, not searched (serve its archives with --recursive)`),
  );
  if (options.verify) {
    loading('blobs to verify');
    await verifyModel(model, { onProgress: options.onVerifyProgress ?? terminalProgress('verifying blobs') });
  }
  return model;
}

/** An input's parts; an archive's come from `options.archives` while its file is unchanged. */
async function readInput(input: Input, options: LoadOptions): Promise<ArchivePart[]> {
  const read = async (onTempFile?: ArchiveOptions['onTempFile']) => {
    const archive = { ...archiveOptions(input.path, options), ...(onTempFile && { onTempFile }) };
    const index = await openInput(input, archive);
    return index.withFile(() => readArchive(index, archive));
  };
  if (input.kind !== 'archive' || options.archives === undefined) return read();
  return options.archives.read(input.path, read, options.blocking);
}

function openInput(input: Input, options: ArchiveOptions): Promise<TarIndex> {
  if (input.kind === 'layout-folder') return indexLayoutFolder(input.path, options.blocking);
  if (input.kind === 'cache-folder') return indexCacheFolder(input.path, options.blocking);
  return openArchive(input.path, options);
}

function archiveOptions(path: string, options: LoadOptions): ArchiveOptions {
  const archive: ArchiveOptions = { onProgress: options.onDecompressProgress ?? terminalProgress(`decompressing ${path}`) };
  if (options.tmpDir !== undefined) archive.tmpDir = options.tmpDir;
  if (options.maxDecompressedSize !== undefined) archive.maxDecompressedSize = options.maxDecompressedSize;
  if (options.blocking) archive.blocking = true;
  return archive;
}
