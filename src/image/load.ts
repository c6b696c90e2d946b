// tar files in, one ImageModel out. Each archive is indexed once (headers only), its format detected,
// its images read; names are merged across archives; `--verify` optionally hashes every blob.
import { LoadError } from '../load-error.js';
import type { ImageModel } from '../model.js';
import { type ArchiveOptions, openArchive } from '../tar/archive.js';
import type { TarIndex } from '../tar/index.js';
import { detectFormat } from './detect.js';
import type { ArchiveContents } from './found.js';
import { ModelBuilder } from './model-builder.js';
import { isRepositoryName } from '../reference.js';
import { repositoryFromFile } from './names.js';
import { readDockerArchive } from './readers/docker-archive.js';
import { readOciLayout } from './readers/oci-layout.js';
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
}

export async function loadImages(tarPaths: string[], options: LoadOptions = {}): Promise<ImageModel> {
  if (options.repository !== undefined && !isRepositoryName(options.repository)) {
    throw new LoadError('--repository', `"${options.repository}" is not a valid repository name`);
  }
  let current = tarPaths[0] ?? '';
  return exitOnSignal(
    () => current,
    async () => {
      const builder = new ModelBuilder();
      for (const path of tarPaths) {
        current = path;
        const index = await openArchive(path, archiveOptions(path, options));
        const contents = await readArchive(index);
        if (contents.images.length === 0) throw new LoadError(index.file, 'holds no images to serve');
        builder.add(index.file, contents, options.repository ?? repositoryFromFile(path));
      }
      const model = builder.build();
      if (options.verify) {
        current = 'blobs to verify';
        await verifyModel(model, { onProgress: options.onVerifyProgress ?? terminalProgress('verifying blobs') });
      }
      return model;
    },
  );
}

function archiveOptions(path: string, options: LoadOptions): ArchiveOptions {
  const archive: ArchiveOptions = { onProgress: options.onDecompressProgress ?? terminalProgress(`decompressing ${path}`) };
  if (options.tmpDir !== undefined) archive.tmpDir = options.tmpDir;
  if (options.maxDecompressedSize !== undefined) archive.maxDecompressedSize = options.maxDecompressedSize;
  return archive;
}

async function readArchive(index: TarIndex): Promise<ArchiveContents> {
  return detectFormat(index) === 'oci-layout' ? readOciLayout(index) : readDockerArchive(index);
}
