// Every bad archive gives one LoadError naming the tar file, the entry and the problem.
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { LoadError } from '../../src/load-error.js';
import type { PackEntry } from '../helpers/pack.js';
import { tempDir } from '../helpers/pack.js';
import { OciLayout, craneEntries, hex, makeConfig, makeLayer, sha256, writeArchive } from './archives.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const layer = makeLayer('x');
const config = makeConfig([layer.diffId]);
const CONFIG = sha256(config);
const LAYER = `${hex(sha256(layer.gzip))}.tar.gz`;
const manifestJSON = (item: object) => ({ name: 'manifest.json', data: [item] });
const good = { Config: CONFIG, RepoTags: ['app:1'], Layers: [LAYER] };
const configEntry = { name: CONFIG, data: config };
const layerEntry = { name: LAYER, data: layer.gzip };

async function loadError(name: string, entries: PackEntry[]): Promise<LoadError> {
  const path = await writeArchive(dir, name, entries);
  return expectLoadError(path);
}

async function expectLoadError(path: string): Promise<LoadError> {
  const err = await loadImages([path]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LoadError);
  expect((err as LoadError).message.startsWith(`${path}: `)).toBe(true);
  return err as LoadError;
}

describe('bad input', () => {
  it('no manifest.json or index.json', async () => {
    const err = await loadError('none.tar', [{ name: 'hello.txt', data: 'hi' }]);
    expect(err.problem).toMatch(/neither manifest\.json nor index\.json/);
  });

  it.each([
    ['empty-docker.tar', [{ name: 'manifest.json', data: [] }]],
    ['empty-oci.tar', new OciLayout().pack([])],
  ])('%s holds no images', async (name, entries) => {
    expect((await loadError(name, entries as PackEntry[])).problem).toBe('holds no images to serve');
  });

  it('a referenced layer is missing', async () => {
    const err = await loadError('missing.tar', [configEntry, manifestJSON(good)]);
    expect([err.entry, err.problem]).toEqual([LAYER, 'missing from the archive']);
  });

  it('invalid JSON in manifest.json', async () => {
    const err = await loadError('badjson.tar', [configEntry, layerEntry, { name: 'manifest.json', data: '[{"Config": ' }]);
    expect(err.entry).toBe('manifest.json');
    expect(err.problem).toMatch(/invalid JSON/);
  });

  it('manifest.json is not a list of images', async () => {
    const err = await loadError('shape.tar', [{ name: 'manifest.json', data: { Config: 'x' } }]);
    expect([err.entry, err.problem]).toEqual(['manifest.json', 'expected a JSON array of images']);
  });

  it('diff_ids count does not match the layers', async () => {
    const two = makeConfig([layer.diffId, layer.diffId]);
    const err = await loadError('count.tar', [{ name: sha256(two), data: two }, layerEntry, manifestJSON({ ...good, Config: sha256(two) })]);
    expect(err.entry).toBe(sha256(two));
    expect(err.problem).toBe('config lists 2 rootfs.diff_ids but manifest.json lists 1 layers');
  });

  it('config without rootfs.diff_ids', async () => {
    const bad = Buffer.from('{"os":"linux","architecture":"amd64"}');
    const err = await loadError('nodiff.tar', [{ name: 'c.json', data: bad }, layerEntry, manifestJSON({ ...good, Config: 'c.json' })]);
    expect([err.entry, err.problem]).toEqual(['c.json', 'image config has no rootfs.diff_ids list']);
  });

  it('a JSON entry over the 4 MiB cap', async () => {
    const huge = JSON.stringify([{ ...good, Padding: 'x'.repeat(4 * 1024 * 1024) }]);
    const err = await loadError('huge.tar', [configEntry, layerEntry, { name: 'manifest.json', data: huge }]);
    expect(err.entry).toBe('manifest.json');
    expect(err.problem).toMatch(/limit/);
  });

  it('an invalid name in RepoTags', async () => {
    const err = await loadError('name.tar', [configEntry, layerEntry, manifestJSON({ ...good, RepoTags: ['App:One Two'] })]);
    expect(err.entry).toBe('manifest.json');
    expect(err.problem).toMatch(/invalid/);
  });

  it('manifest.json pointing outside the archive', async () => {
    const err = await loadError('escape.tar', [configEntry, manifestJSON({ ...good, Layers: ['../../etc/passwd'] })]);
    expect(err.entry).toBe('manifest.json');
    expect(err.problem).toMatch(/escapes the archive/);
  });

  it('a tag claimed twice within one archive', async () => {
    const other = makeLayer('y');
    const entries = [...craneEntries(['app:1'], [layer]), ...craneEntries(['app:1'], [other]).filter((e) => e.name !== 'manifest.json')];
    const items = [good, { Config: entries[3]!.name, RepoTags: ['app:1'], Layers: [entries[4]!.name] }];
    const err = await loadError('twice.tar', [...entries.filter((e) => e.name !== 'manifest.json'), { name: 'manifest.json', data: items }]);
    expect(err.problem).toMatch(/tag docker\.io\/library\/app:1 names sha256:\w+ here but is already claimed by sha256:\w+ earlier in this archive/);
  });

  it('a bare OCI tag and a full name claiming the same tag (--strict)', async () => {
    const oci = new OciLayout();
    const m = oci.image([layer]);
    const bare = await writeArchive(dir, 'app.tar', oci.pack([{ ...m, annotations: { 'org.opencontainers.image.ref.name': '1' } }]));
    const full = await writeArchive(dir, 'full.tar', craneEntries(['app:1'], [makeLayer('other')]));
    await expect(loadImages([bare, full], { strict: true })).rejects.toThrow(/full\.tar: tag docker\.io\/library\/app:1 names sha256:\w+ here but is already claimed by sha256:\w+ in .*app\.tar/);
  });

  it('a duplicate entry', async () => {
    const err = await loadError('dup.tar', [configEntry, layerEntry, manifestJSON(good), manifestJSON(good)]);
    expect([err.entry, err.problem]).toEqual(['manifest.json', 'duplicate entry']);
  });

  it('index.json lists a manifest whose blob is absent', async () => {
    const oci = new OciLayout();
    const m = new OciLayout().image([layer]);
    const err = await loadError('oci-missing.tar', oci.pack([m]));
    expect([err.entry, err.problem]).toEqual([`blobs/sha256/${hex(m.digest)}`, 'listed in index.json but missing from the archive']);
  });

  it('a manifest listed in index.json whose layer is absent', async () => {
    const oci = new OciLayout();
    const m = oci.image([layer]);
    const layerPath = `blobs/sha256/${hex(sha256(layer.gzip))}`;
    oci.entries.delete(sha256(layer.gzip));
    const err = await loadError('oci-nolayer.tar', oci.pack([m]));
    expect([err.entry, err.problem]).toEqual([layerPath, `listed in blobs/sha256/${hex(m.digest)} but missing from the archive`]);
  });

  it('a blob whose size is not what its descriptor says', async () => {
    const oci = new OciLayout();
    const m = oci.image([layer]);
    const err = await loadError('oci-size.tar', oci.pack([{ ...m, size: m.size + 1 }]));
    expect(err.entry).toBe(`blobs/sha256/${hex(m.digest)}`);
    expect(err.problem).toBe(`is ${m.size} bytes but index.json says ${m.size + 1}`);
  });

  it('index.json without oci-layout', async () => {
    const err = await loadError('nolayout.tar', [{ name: 'index.json', data: { schemaVersion: 2, manifests: [] } }]);
    expect(err.problem).toMatch(/no oci-layout/);
  });

  it('a symlink loop', async () => {
    const err = await loadError('loop.tar', [
      configEntry,
      { name: 'a.tar', type: 'symlink', linkname: 'b.tar' },
      { name: 'b.tar', type: 'symlink', linkname: 'a.tar' },
      manifestJSON({ ...good, Layers: ['a.tar'] }),
    ]);
    expect(err.message).toMatch(/loop/);
  });

  it('not a tar at all', async () => {
    const path = join(dir, 'text.tar');
    await writeFile(path, 'this is not a tar file\n'.repeat(100));
    expect((await expectLoadError(path)).message.length).toBeGreaterThan(path.length + 2);
  });

  it('a truncated tar', async () => {
    const path = await writeArchive(dir, 'cut.tar', craneEntries(['app:1'], [layer]));
    const { length } = await readFile(path);
    await truncate(path, Math.floor(length / 2) + 100);
    await expectLoadError(path);
  });
});
