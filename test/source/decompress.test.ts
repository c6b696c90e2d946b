// Compressed archives: decoded once into temporary space that is unlinked from the start, bounded
// by a size limit and free space, refused early when what they hold is not a tar.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { LoadError } from '../../src/load-error.js';
import { fzstdBlocks, zstdChoice } from '../../src/source/zstd.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { openArchive } from '../../src/tar/archive.js';
import { gzipBomb, notTars, zstdTar } from '../helpers/hostile.js';
import { tempDir } from '../helpers/pack.js';
import { childrenNamed } from '../helpers/proc.js';

const ZST = fileURLToPath(new URL('../../fixtures/formats/tiny-crane.tar.zst', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function privateTmp(name: string): Promise<string> {
  const tmp = join(dir, `tmp-${name}`);
  await mkdir(tmp);
  return tmp;
}

async function loadError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LoadError);
  return (err as LoadError).message;
}

describe('compressed archives', () => {
  it('serves a .tar.zst (zstd told by magic bytes) from an unlinked temporary file', async () => {
    const tmp = await privateTmp('zst');
    const model = await loadImages([ZST], { tmpDir: tmp });
    expect(model.images[0]).toMatchObject({ registry: 'example.com', repository: 'tiny/app', tag: '1.0', tarPath: ZST });
    const blob = [...model.blobs.values()][0]!;
    expect(blob.source.kind === 'tar' && blob.source.path).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(await readdir(tmp)).toEqual([]);
  });

  it.each(['command', 'js'])('loads a .tar.zst with the %s decoder', async (decoder) => {
    const before = process.env['SEED_REGISTRY_ZSTD'];
    process.env['SEED_REGISTRY_ZSTD'] = decoder;
    try {
      expect(zstdChoice()).toBe(decoder);
      const model = await loadImages([ZST], { tmpDir: await privateTmp(`zst-${decoder}`) });
      expect(model.images[0]).toMatchObject({ repository: 'tiny/app', tag: '1.0' });
      const files = await notTars(dir);
      expect(await loadError(openArchive(files['corrupt.tar.zst']!))).toMatch(/is zstd-compressed, but it does not decompress \(.+\)$/);
    } finally {
      if (before === undefined) delete process.env['SEED_REGISTRY_ZSTD'];
      else process.env['SEED_REGISTRY_ZSTD'] = before;
    }
  });

  it('has the zstd command on PATH (scripts/install-test-deps.sh), which it prefers to fzstd', () => {
    expect(spawnSync('zstd', ['--version']).status).toBe(0);
  });

  it('decodes zstd with the pure-JS decoder too (the one Node 20 uses)', async () => {
    const chunks: Buffer[] = [];
    const decoder = await fzstdBlocks((block) => chunks.push(Buffer.from(block)));
    const zst = await readFile(ZST);
    for (let at = 0; at < zst.length; at += 100) decoder.push(zst.subarray(at, at + 100));
    decoder.end();
    const tar = await readFile(ZST.replace(/\.zst$/, ''));
    expect(Buffer.concat(chunks).equals(tar)).toBe(true);
  });

  it('stops a bomb at the decompressed-size limit, quickly, leaving nothing behind', async () => {
    const tmp = await privateTmp('bomb');
    const bomb = await gzipBomb(join(dir, 'bomb.tar.gz'), 2 ** 33, 64 * 2 ** 20);
    const started = Date.now();
    const message = await loadError(openArchive(bomb, { tmpDir: tmp, maxDecompressedSize: 16 * 2 ** 20 }));
    expect(message).toBe(`${bomb}: decompresses to more than 16 MiB, the limit set by --max-decompressed-size`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await readdir(tmp)).toEqual([]);
  });

  // The zstd command writes the temporary file itself (src/source/decode-command.ts) and the limits
  // are watched by polling its size; fzstd decodes in process through the same watch.
  describe.each(['command', 'js'])('with the %s zstd decoder', (decoder) => {
    let before: string | undefined;
    beforeAll(() => {
      before = process.env['SEED_REGISTRY_ZSTD'];
      process.env['SEED_REGISTRY_ZSTD'] = decoder;
    });
    afterAll(() => {
      if (before === undefined) delete process.env['SEED_REGISTRY_ZSTD'];
      else process.env['SEED_REGISTRY_ZSTD'] = before;
    });

    it('stops a zstd bomb at the limit, quickly, leaving nothing behind and no decoder running', async () => {
      const tmp = await privateTmp(`zbomb-${decoder}`);
      const bomb = await zstdTar(join(dir, `bomb-${decoder}.tar.zst`), 2 ** 34, 2 ** 30, 'zeros');
      const started = Date.now();
      const message = await loadError(openArchive(bomb, { tmpDir: tmp, maxDecompressedSize: 16 * 2 ** 20 }));
      expect(message).toBe(`${bomb}: decompresses to more than 16 MiB, the limit set by --max-decompressed-size`);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await readdir(tmp)).toEqual([]);
      expect(await childrenNamed(process.pid, 'zstd')).toEqual([]);
    });

    it('refuses at the first block what does not hold a tar', async () => {
      const tmp = await privateTmp(`znot-${decoder}`);
      const files = await notTars(dir);
      expect(await loadError(openArchive(files['zeros.tar.zst']!, { tmpDir: tmp }))).toMatch(/is zstd-compressed, but what it holds is an empty tar archive/);
      expect(await loadError(openArchive(files['text.tar.zst']!, { tmpDir: tmp }))).toMatch(/is zstd-compressed, but what it holds is not a tar archive \(it looks like text\)/);
      expect(await loadError(openArchive(files['short.tar.zst']!, { tmpDir: tmp }))).toMatch(/is zstd-compressed, but what it holds is 6 bytes, not a tar archive$/);
      expect(await readdir(tmp)).toEqual([]);
    });

    it('decodes to the same bytes as zstd itself', async () => {
      const tmp = await privateTmp(`zsame-${decoder}`);
      const file = await zstdTar(join(dir, `random-${decoder}.tar.zst`), 8 * 2 ** 20, 8 * 2 ** 20, 'random');
      const index = await openArchive(file, { tmpDir: tmp });
      const copy = await readFile(index.path);
      expect(copy.equals(spawnSync('zstd', ['-dcq', file], { maxBuffer: 64 * 2 ** 20 }).stdout)).toBe(true);
    });
  });

  it('refuses at the first block what does not hold a tar', async () => {
    const tmp = await privateTmp('not-tar');
    const files = await notTars(dir);
    expect(await loadError(openArchive(files['zeros.tar.gz']!, { tmpDir: tmp }))).toMatch(/is gzip-compressed, but what it holds is an empty tar archive/);
    expect(await loadError(openArchive(files['text.tar.gz']!, { tmpDir: tmp }))).toMatch(/is gzip-compressed, but what it holds is not a tar archive \(it looks like text\)/);
    expect(await loadError(openArchive(files['corrupt.tar.zst']!, { tmpDir: tmp }))).toMatch(/is zstd-compressed, but it does not decompress/);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('decodes xz, bzip2 and lz4 by their commands, and says what a broken one is', async () => {
    const tar = await readFile(ZST.replace(/\.zst$/, ''));
    const files = await notTars(dir);
    for (const [command, ext] of [['xz', 'xz'], ['bzip2', 'bz2'], ['lz4', 'lz4']] as const) {
      const path = join(dir, `tiny.tar.${ext}`);
      await writeFile(path, execFileSync(command, ['-c'], { input: tar }));
      const model = await loadImages([path], { tmpDir: await privateTmp(`cmd-${ext}`) });
      expect(model.images[0]).toMatchObject({ repository: 'tiny/app', tag: '1.0' });
      expect(await loadError(openArchive(files[`image.tar.${ext}`]!))).toMatch(new RegExp(`is ${command}-compressed, but it does not decompress \\(.+\\)$`));
    }
  });

  it('names the package and the command that converts it, when the decoder is not on PATH', async () => {
    const files = await notTars(dir);
    const before = process.env['PATH'];
    process.env['PATH'] = join(dir, 'no-such-bin');
    try {
      expect(await loadError(openArchive(files['image.tar.xz']!))).toBe(`${files['image.tar.xz']}: is xz-compressed, and \`xz\` is not on PATH: install it (xz-utils), or convert it with \`xz -dc ${files['image.tar.xz']} > ${join(dir, 'image.tar')}\``);
      expect(await loadError(openArchive(files['image.tar.bz2']!))).toMatch(/is bzip2-compressed, and `bzip2` is not on PATH: install it \(bzip2\), or convert it with `bzip2 -dc /);
      expect(await loadError(openArchive(files['image.tar.lz4']!))).toMatch(/is lz4-compressed, and `lz4` is not on PATH: install it \(lz4\), or convert it with `lz4 -dc /);
    } finally {
      process.env['PATH'] = before;
    }
  });

  it('says when the temporary directory cannot be used', async () => {
    const gz = await gzipBomb(join(dir, 'small.tar.gz'), 10, 0);
    const missing = join(dir, 'no-such-dir');
    expect(await loadError(openArchive(gz, { tmpDir: missing }))).toBe(`${missing} (--tmp-dir): cannot be used for temporary space: no such file`);
  });

  it('says what a file that is not a tar looks like', async () => {
    const files = await notTars(dir);
    expect(await loadError(openArchive(files['empty.tar']!))).toBe(`${files['empty.tar']}: is empty, not a tar archive`);
    expect(await loadError(openArchive(files['notes.tar']!))).toBe(`${files['notes.tar']}: is not a tar archive (it looks like text)`);
    expect(await loadError(openArchive(files['image.zip']!))).toBe(`${files['image.zip']}: is not a tar archive (it looks like a zip archive)`);
  });
});
