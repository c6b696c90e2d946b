// Archives read once and reused while unchanged; decompressed copies freed when no load uses them.
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangedWhileLoadingError, LoadedArchives } from '../../src/image/archive-cache.js';
import { loadImages } from '../../src/image/load.js';
import { tempDir } from '../helpers/pack.js';
import { archiveBytes, imageArchive } from '../registry/live.js';

let dir = '';
beforeAll(async () => {
  dir = await tempDir('sr-archives-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decompressed copies this process holds open (unlinked files in `tmp`). */
function copiesIn(tmp: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(tmp, 'seed-registry-'));
    } catch {
      return false;
    }
  }).length;
}

describe('LoadedArchives', () => {
  it('reuses an unchanged compressed archive (no second copy) and frees the copy of one replaced', async () => {
    const tmp = await tempDir('sr-archives-tmp-');
    const path = join(dir, 'a.tar.gz');
    writeFileSync(path, gzipSync(await archiveBytes(dir, imageArchive('cache/a:1', 1))));
    const archives = new LoadedArchives();
    const first = await loadImages([path], { archives, tmpDir: tmp });
    archives.commit();
    expect(copiesIn(tmp)).toBe(1);
    const again = await loadImages([path], { archives, tmpDir: tmp });
    archives.commit();
    expect(copiesIn(tmp)).toBe(1);
    expect(again.blobs.get([...first.blobs.keys()][0]!)).toBe(first.blobs.get([...first.blobs.keys()][0]!));
    writeFileSync(path, gzipSync(await archiveBytes(dir, imageArchive('cache/a:1', 2))));
    const changed = await loadImages([path], { archives, tmpDir: tmp });
    expect(changed.images[0]?.digest).not.toBe(first.images[0]?.digest);
    // Both copies exist until the new load is committed (the old one may still be served).
    expect(copiesIn(tmp)).toBe(2);
    expect(archives.identities().get(path)?.size).toBe(readFileSync(path).length);
    archives.commit();
    expect(copiesIn(tmp)).toBe(1);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an aborted load frees the copies only it made', async () => {
    const tmp = await tempDir('sr-archives-tmp-');
    const path = join(dir, 'b.tar.gz');
    writeFileSync(path, gzipSync(await archiveBytes(dir, imageArchive('cache/b:1', 3))));
    const archives = new LoadedArchives();
    await loadImages([path], { archives, tmpDir: tmp });
    archives.commit();
    writeFileSync(path, gzipSync(await archiveBytes(dir, imageArchive('cache/b:1', 4))));
    await loadImages([path], { archives, tmpDir: tmp });
    expect(copiesIn(tmp)).toBe(2);
    archives.abort();
    expect(copiesIn(tmp)).toBe(1);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGHUP (readAllAgain) reads an unchanged archive again', async () => {
    const path = join(dir, 'c.tar');
    writeFileSync(path, await archiveBytes(dir, imageArchive('cache/c:1', 5)));
    const archives = new LoadedArchives();
    const first = await loadImages([path], { archives });
    archives.commit();
    archives.readAllAgain();
    const again = await loadImages([path], { archives });
    const digest = [...first.blobs.keys()][0]!;
    expect(again.blobs.get(digest)).not.toBe(first.blobs.get(digest));
    expect(again.blobs.get(digest)).toEqual(first.blobs.get(digest));
  });

  it('a file that changes while it is read is reported as such, not as broken', async () => {
    const path = join(dir, 'd.tar');
    writeFileSync(path, await archiveBytes(dir, imageArchive('cache/d:1', 6)));
    const archives = new LoadedArchives();
    const error = await archives.read(path, async () => {
      appendFileSync(path, Buffer.alloc(512));
      return [];
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChangedWhileLoadingError);
  });
});
