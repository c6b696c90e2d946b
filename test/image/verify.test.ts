import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { tempDir } from '../helpers/pack.js';
import { craneEntries, hex, makeLayer, sha256, writeArchive } from './archives.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

describe('--verify', () => {
  it('passes when every blob matches its digest, and reports progress to the total', async () => {
    const path = await writeArchive(dir, 'ok.tar', craneEntries(['app:1'], [makeLayer('a'), makeLayer('b')]));
    const seen: Array<[number, number]> = [];
    await loadImages([path], { verify: true, onVerifyProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toHaveLength(3);
    const last = seen.at(-1)!;
    expect(last[0]).toBe(last[1]);
  });

  it('names the image, the blob and both digests on a mismatch', async () => {
    const good = makeLayer('good');
    const evil = makeLayer('evil');
    // The layer's name states the digest of `good`, but the bytes are `evil`.
    const entries = craneEntries(['app:1'], [good]).map((e) => (e.name.endsWith('.tar.gz') ? { ...e, data: evil.gzip } : e));
    const path = await writeArchive(dir, 'bad.tar', entries);
    await expect(loadImages([path])).resolves.toBeDefined();
    const claimed = `sha256:${hex(sha256(good.gzip))}`;
    await expect(loadImages([path], { verify: true })).rejects.toThrow(
      `${path}: image library/app:1: blob ${claimed} does not match its content (sha256 is ${sha256(evil.gzip)})`,
    );
  });
});
