// Opens an image archive: a tar file as it is, or a compressed tarball (gzip, zstd) decoded once into
// temporary space (src/source), because blobs are served as byte ranges of an uncompressed tar.
import { tmpdir } from 'node:os';
import { LoadError } from '../load-error.js';
import { MAGIC_LENGTH, codecOf, convertCommand } from '../source/codecs.js';
import { decompressToTemp } from '../source/decompress.js';
import { checkInput, readHeadAt } from '../source/input.js';
import type { TempFile } from '../source/temp.js';
import { looksLike } from '../source/looks.js';
import { BLOCK, decodeHeader, isZeroBlock } from './header.js';
import { type ByteSpan, type TarIndex, indexTar } from './index.js';

export interface ArchiveOptions {
  /** Where a decompressed copy goes: `--tmp-dir`, else $TMPDIR, else the system's. */
  tmpDir?: string;
  /** Most bytes a compressed archive may decompress to. */
  maxDecompressedSize?: number;
  /** Receives progress while decompressing (bytes of compressed input read, total). */
  onProgress?: (done: number, total: number) => void;
  /** Receives each decompressed copy made, so that one who reloads content can free it later. */
  onTempFile?: (temp: TempFile) => void;
  /** Nothing waits on the event loop: reads may block it (TarIndex's `blocking`). */
  blocking?: boolean;
}

/** Fits the largest real image sets (k3s/RKE2 airgap bundles are a few GiB) with room to spare. */
export const DEFAULT_MAX_DECOMPRESSED = 64 * 2 ** 30;
const SNIFF = 4096;

export async function openArchive(path: string, options: ArchiveOptions = {}): Promise<TarIndex> {
  const { size } = await checkInput(path, options.blocking);
  return openSpan(path, path, size, undefined, options);
}

/**
 * A tar held in `span` of the file at `path` (an image layer whose content is an archive, as in
 * Talos' cache image): a plain one is indexed where it lies, a compressed one decoded once into
 * temporary space like a compressed archive. `file` names it in messages.
 */
export async function openNestedArchive(path: string, span: ByteSpan, file: string, options: ArchiveOptions = {}): Promise<TarIndex> {
  return openSpan(path, file, span.size, span, options);
}

async function openSpan(path: string, file: string, size: number, span: ByteSpan | undefined, options: ArchiveOptions): Promise<TarIndex> {
  const head = await readHeadAt(path, span?.offset ?? 0, Math.min(SNIFF, size), options.blocking);
  const codec = codecOf(head.subarray(0, MAGIC_LENGTH));
  if (!codec) return indexTar(path, file, span, options.blocking);
  const decoder = codec.decoder();
  if (!decoder) {
    const command = convertCommand(codec, file);
    throw new LoadError(file, `is ${codec.name}-compressed, and \`${command.split(' ')[0]}\` is not on PATH: install it (${codec.install}), or convert it with \`${command}\``);
  }
  const temp = await decompressToTemp(path, size, codec.name, decoder, {
    tmpDir: options.tmpDir ?? tmpdir(),
    tmpDirSource: options.tmpDir !== undefined ? '--tmp-dir' : process.env['TMPDIR'] ? 'TMPDIR' : 'the system temporary directory',
    maxSize: options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(span ? { start: span.offset, file } : {}),
    checkHead: tarHeadProblem,
  });
  options.onTempFile?.(temp);
  return indexTar(temp.path, file, undefined, options.blocking);
}

/** Why decoded bytes cannot be an image archive, from their first block; undefined when they may be. */
function tarHeadProblem(block: Buffer): string | undefined {
  if (block.length < BLOCK) return block.length === 0 ? 'is empty' : `is ${block.length} bytes, not a tar archive`;
  if (isZeroBlock(block)) return 'is an empty tar archive (or zeros)';
  try {
    decodeHeader(block);
    return undefined;
  } catch {
    return `is not a tar archive (it looks like ${looksLike(block)})`;
  }
}
