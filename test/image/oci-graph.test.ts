// OCI index graphs that are hostile: cycles, sharing that explodes when followed naively, deep nesting.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { MAX_DEPTH } from '../../src/image/readers/oci-tree.js';
import { LoadError } from '../../src/load-error.js';
import { cyclicIndexes, doublingIndexes, nestedIndexes } from '../helpers/hostile.js';
import { tempDir } from '../helpers/pack.js';
import { writeArchive } from './archives.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function loadError(path: string): Promise<LoadError> {
  const err = await loadImages([path]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LoadError);
  return err as LoadError;
}

describe('OCI index graphs', () => {
  it('refuses an index that lists itself, naming its digest', async () => {
    const path = await writeArchive(dir, 'self.tar', cyclicIndexes(1));
    const err = await loadError(path);
    expect(err.message).toMatch(new RegExp(`^${path}: blobs/sha256/a{64}: index sha256:a{64} lists itself`));
  });

  it('refuses two indexes that list each other', async () => {
    const path = await writeArchive(dir, 'mutual.tar', cyclicIndexes(2));
    expect((await loadError(path)).message).toMatch(/blobs\/sha256\/b{64}: index sha256:a{64} lists itself \(a cycle through blobs\/sha256\/b{64}\)/);
  });

  it('reads each node of a 30-level DAG once (each index lists the next twice)', async () => {
    const path = await writeArchive(dir, 'dag.tar', doublingIndexes(30));
    const started = Date.now();
    const model = await loadImages([path]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(model.manifests.size).toBe(31);
    expect(model.images).toHaveLength(1);
    expect(model.images[0]).toMatchObject({ repository: 'dag', layers: 1, platforms: ['linux/amd64'] });
  });

  it(`accepts ${MAX_DEPTH - 1} nested indexes and refuses ${MAX_DEPTH}, without using the JS stack`, async () => {
    const ok = await loadImages([await writeArchive(dir, 'deep-ok.tar', nestedIndexes(MAX_DEPTH - 1))]);
    expect(ok.manifests.size).toBe(MAX_DEPTH);
    const err = await loadError(await writeArchive(dir, 'deep.tar', nestedIndexes(MAX_DEPTH)));
    expect(err.message).toMatch(`indexes nested more than ${MAX_DEPTH} deep`);
  });
});
