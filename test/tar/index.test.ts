import { cp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoadError } from '../../src/load-error.js';
import { openArchive } from '../../src/tar/archive.js';
import { indexTar } from '../../src/tar/index.js';
import { indexLayoutFolder } from '../../src/tar/layout-folder.js';
import { walkEntries } from '../../src/tar/walk.js';
import { CALLS_PER_TURN, open as openFile } from '../../src/source/file-handle.js';
import { packTar, tempDir } from '../helpers/pack.js';
import { END, padTo512, rawHeader } from './raw.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function rawTar(name: string, parts: Buffer[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.concat(parts));
  return path;
}

async function loadError(promise: Promise<unknown>): Promise<LoadError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LoadError);
  return err as LoadError;
}

describe('indexTar', () => {
  it('maps names to data offsets and sizes, dropping ./ prefixes', async () => {
    const path = await packTar(join(dir, 'plain.tar'), [
      { name: './', type: 'directory' },
      { name: './manifest.json', data: '[]' },
      { name: './abc/layer.tar', data: Buffer.alloc(1000, 7) },
    ]);
    const index = await indexTar(path);
    expect([...index.entries.keys()]).toEqual(['manifest.json', 'abc/layer.tar']);
    const layer = index.require('abc/layer.tar');
    expect(layer.size).toBe(1000);
    expect(layer.offset % 512).toBe(0);
    const fd = await open(path, 'r');
    const { buffer } = await fd.read(Buffer.alloc(1000), 0, 1000, layer.offset);
    await fd.close();
    expect(buffer.equals(Buffer.alloc(1000, 7))).toBe(true);
    expect(await index.readJSON('manifest.json')).toEqual([]);
    expect(index.source('abc/layer.tar')).toEqual({ kind: 'tar', path, offset: layer.offset, size: 1000 });
  });

  it('reads pax long names (tar-stream writes them for names over 100 bytes)', async () => {
    const long = `${'d'.repeat(90)}/${'f'.repeat(90)}/layer.tar`;
    const path = await packTar(join(dir, 'pax.tar'), [{ name: long, data: 'x', pax: { path: long } }]);
    expect((await indexTar(path)).require(long).size).toBe(1);
  });

  it('reads GNU long names and long link names', async () => {
    const long = `${'n'.repeat(150)}/config.json`;
    const target = `${'t'.repeat(150)}/layer.tar`;
    const nameData = Buffer.from(`${long}\0`);
    const linkData = Buffer.from(`${target}\0`);
    const path = await rawTar('gnu.tar', [
      rawHeader({ name: '././@LongLink', type: 'L', size: nameData.length, gnu: true }),
      padTo512(nameData),
      rawHeader({ name: long.slice(0, 99), size: 2, gnu: true }),
      padTo512(Buffer.from('{}')),
      rawHeader({ name: '././@LongLink', type: 'L', size: Buffer.byteLength(target) + 1, gnu: true }),
      padTo512(Buffer.from(`${target}\0`)),
      rawHeader({ name: 'x', size: 3, gnu: true }),
      padTo512(Buffer.from('abc')),
      rawHeader({ name: '././@LongLink', type: 'K', size: linkData.length, gnu: true }),
      padTo512(linkData),
      rawHeader({ name: 'hard', type: '1', linkname: 'ignored', gnu: true }),
      END,
    ]);
    const index = await indexTar(path);
    expect(await index.readJSON(long)).toEqual({});
    expect(index.require('hard').size).toBe(3);
  });

  it('resolves symlinks relative to their directory and hardlinks from the root', async () => {
    const path = await packTar(join(dir, 'links.tar'), [
      { name: 'a/layer.tar', data: 'layer-bytes' },
      { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
      { name: 'c/layer.tar', type: 'link', linkname: 'b/layer.tar' },
    ]);
    const index = await indexTar(path);
    const a = index.require('a/layer.tar');
    expect(index.require('b/layer.tar')).toBe(a);
    expect(index.require('c/layer.tar')).toBe(a);
  });

  it('accepts an archive without the end-of-archive blocks', async () => {
    const path = await rawTar('noend.tar', [rawHeader({ name: 'f', size: 1 }), padTo512(Buffer.from('z'))]);
    expect((await indexTar(path)).require('f').size).toBe(1);
  });

  it.each([
    ['a symlink loop', [{ name: 'x', type: 'symlink', linkname: 'y' }, { name: 'y', type: 'symlink', linkname: 'x' }], /link loop/],
    ['a symlink leaving the archive', [{ name: 'a/l', type: 'symlink', linkname: '../../etc/passwd' }], /outside the archive/],
    ['an absolute symlink target', [{ name: 'l', type: 'symlink', linkname: '/etc/passwd' }], /absolute path/],
    ['an entry climbing out with ..', [{ name: '../evil', data: 'x' }], /escapes the archive/],
    ['an absolute entry name', [{ name: '/etc/evil', data: 'x' }], /absolute path/],
    ['a duplicate entry', [{ name: 'manifest.json', data: '[]' }, { name: './manifest.json', data: '[]' }], /duplicate entry/],
  ] as const)('refuses %s, naming the file and the entry', async (_what, entries, problem) => {
    const path = await packTar(join(dir, `bad-${Math.random()}.tar`), entries as never);
    const err = await loadError(indexTar(path));
    expect(err.message).toContain(path);
    expect(err.message).toMatch(problem);
  });

  it('refuses a file that is not a tar', async () => {
    const path = join(dir, 'not.tar');
    await writeFile(path, Buffer.alloc(2048, 'hello'));
    const err = await loadError(indexTar(path));
    expect(err.message).toBe(`${path}: is not a tar archive (it looks like text)`);
  });

  it('refuses an empty file and a missing file', async () => {
    const empty = join(dir, 'empty.tar');
    await writeFile(empty, '');
    expect((await loadError(indexTar(empty))).message).toBe(`${empty}: is empty, not a tar archive`);
    expect((await loadError(indexTar(join(dir, 'nope.tar')))).message).toBe(`${join(dir, 'nope.tar')}: no such file`);
  });

  it('refuses a truncated archive, in a header or in entry data', async () => {
    const path = await packTar(join(dir, 'whole.tar'), [{ name: 'a', data: Buffer.alloc(5000, 1) }, { name: 'b', data: 'b' }]);
    for (const size of [3000, 5600, 6000]) {
      const cut = join(dir, `cut-${size}.tar`);
      await writeFile(cut, (await import('node:fs')).readFileSync(path).subarray(0, size));
      expect((await loadError(indexTar(cut))).message).toMatch(/truncated/);
    }
  });

  it('refuses a corrupt header checksum after the first entry', async () => {
    const bad = rawHeader({ name: 'b', size: 1 });
    bad[0] = 'c'.charCodeAt(0);
    const path = await rawTar('badsum.tar', [rawHeader({ name: 'a', size: 1 }), padTo512(Buffer.from('a')), bad, END]);
    expect((await loadError(indexTar(path))).message).toMatch(/header checksum mismatch at byte 1024/);
  });

  it('refuses metadata over the JSON cap and invalid JSON, naming the entry', async () => {
    const path = await packTar(join(dir, 'json.tar'), [
      { name: 'big.json', data: Buffer.alloc(100, 0x20) },
      { name: 'bad.json', data: '{nope' },
    ]);
    const index = await indexTar(path);
    expect((await loadError(index.readJSON('big.json', 10))).message).toMatch(/big\.json: is 100 bytes, more than the 10-byte limit/);
    expect((await loadError(index.readJSON('bad.json'))).message).toMatch(/bad\.json: invalid JSON/);
    expect((await loadError(index.readJSON('absent.json'))).message).toBe(`${path}: absent.json: missing from the archive`);
  });
});

describe('openArchive', () => {
  it('decompresses a whole-gzip tarball once and indexes the copy, naming the original in errors', async () => {
    const tarPath = await packTar(join(dir, 'inner.tar'), [{ name: 'manifest.json', data: '[1]' }]);
    const gz = join(dir, 'image.tar.gz');
    await writeFile(gz, gzipSync((await import('node:fs')).readFileSync(tarPath)));
    const seen: number[] = [];
    const index = await openArchive(gz, { onProgress: (done) => seen.push(done) });
    expect(index.path).not.toBe(gz);
    expect(index.file).toBe(gz);
    expect(await index.readJSON('manifest.json')).toEqual([1]);
    expect(seen.length).toBeGreaterThan(0);
    expect((await loadError(index.readJSON('other.json'))).message).toBe(`${gz}: other.json: missing from the archive`);
  });

  it('refuses a corrupt gzip', async () => {
    const gz = join(dir, 'corrupt.tar.gz');
    await writeFile(gz, Buffer.concat([gzipSync(Buffer.alloc(4096)).subarray(0, 20)]));
    expect((await loadError(openArchive(gz))).message).toMatch(/does not decompress/);
  });
});

describe('walkEntries cost', () => {
  // Start-up must grow with the number of entries, not bytes: a 2 GiB archive is walked by reading
  // only its headers. The file is sparse, so the test costs no disk.
  it('reads only headers of a 2 GiB archive', async () => {
    const path = join(dir, 'huge.tar');
    const layer = 512 * 1024 * 1024;
    const parts: Array<[number, Buffer]> = [];
    let at = 0;
    for (let i = 0; i < 4; i++) {
      parts.push([at, rawHeader({ name: `l${i}/layer.tar`, size: layer })]);
      at += 512 + layer;
    }
    const fd = await open(path, 'w');
    for (const [offset, block] of parts) await fd.write(block, 0, 512, offset);
    await fd.close();
    await truncate(path, at + 1024);

    const handle = await open(path, 'r');
    let bytesRead = 0;
    const counting = {
      read: async (buffer: Buffer, offset: number, length: number, position: number) => {
        const result = await handle.read(buffer, offset, length, position);
        bytesRead += result.bytesRead;
        return result;
      },
    };
    const entries = await walkEntries(counting as never, at + 1024);
    await handle.close();
    expect(entries.map((e) => e.size)).toEqual([layer, layer, layer, layer]);
    expect(at).toBeGreaterThan(2 * 1024 ** 3);
    expect(bytesRead).toBeLessThanOrEqual(5 * 64 * 1024);
  });
});

// A start reads synchronously (nothing is served yet), a reload while serving through libuv's
// thread pool: both must find the same entries, read the same bytes and refuse the same way.
describe('blocking and asynchronous reads', () => {
  const FORMATS = join(import.meta.dirname, '../../fixtures/formats');

  it.each(['docker-save-legacy.tar', 'skopeo-oci-archive.tar', 'tiny-crane.tar', 'ctr-export.tar'])('%s: the same index and the same bytes', async (name) => {
    const path = join(FORMATS, name);
    const [sync, async] = await Promise.all([indexTar(path, path, undefined, true), indexTar(path, path, undefined, false)]);
    expect(sync.blocking).toBe(true);
    expect([...sync.entries.values()]).toEqual([...async.entries.values()]);
    const files = [...sync.entries.values()].filter((e) => e.type === 'file');
    expect(files.length).toBeGreaterThan(1);
    const read = (index: typeof sync) => index.withFile(() => Promise.all(files.map((e) => index.readHead(e.name, 64))));
    const [syncHeads, asyncHeads] = [await read(sync), await read(async)];
    expect(syncHeads.map((b) => b.toString('hex'))).toEqual(asyncHeads.map((b) => b.toString('hex')));
  });

  it('an OCI layout folder: the same bytes; a blob file gone after indexing is refused by either, naming it', async () => {
    const copy = join(dir, 'layout-copy');
    await cp(join(FORMATS, 'skopeo-oci-dir'), copy, { recursive: true });
    const [sync, async] = [await indexLayoutFolder(copy, true), await indexLayoutFolder(copy, false)];
    const files = [...sync.entries.keys()];
    const heads = (index: typeof sync) => Promise.all(files.map((name) => index.readHead(name, 32).then((b) => b.toString('hex'))));
    expect(await heads(sync)).toEqual(await heads(async));
    const blob = files.find((name) => name.startsWith('blobs/'))!;
    await rm(join(copy, blob));
    for (const index of [sync, async]) expect((await loadError(index.readBytes(blob))).message).toMatch(/no such file/);
  });

  it('a long blocking walk lets the event loop turn (a signal is handled during it)', async () => {
    const count = 5 * CALLS_PER_TURN;
    const parts: Buffer[] = [];
    // Data larger than the walk's smallest window: one read per header.
    for (let i = 0; i < count; i++) parts.push(rawHeader({ name: `f${i}`, size: 16384 }), Buffer.alloc(16384));
    const path = await rawTar('long-walk.tar', [...parts, END]);
    const handle = await openFile(path, 'r', true);
    try {
      let turns = 0;
      let walking = true;
      const spin = () => {
        if (!walking) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const entries = await walkEntries(handle, (await handle.stat()).size, 0);
      walking = false;
      expect(entries).toHaveLength(count);
      expect(turns).toBeGreaterThanOrEqual(4);
    } finally {
      await handle.close();
    }
  });

  it('a file cut short after indexing is refused by either', async () => {
    const path = await rawTar('cut-later.tar', [rawHeader({ name: 'a.json', size: 600 }), padTo512(Buffer.alloc(600, 0x61)), END]);
    const sync = await indexTar(path, path, undefined, true);
    const async = await indexTar(path, path, undefined, false);
    await truncate(path, 700);
    for (const index of [sync, async]) expect((await loadError(index.readBytes('a.json'))).message).toMatch(/archive changed or was truncated while reading/);
  });
});
