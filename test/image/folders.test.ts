// `--tar DIR`: an OCI layout folder served from its blob files, and a folder of archives.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { LoadError } from '../../src/load-error.js';
import type { PackEntry } from '../helpers/pack.js';
import { pull } from '../registry/oracle.js';
import { servingFixture } from '../registry/serve.js';
import { OciLayout, craneEntries, makeLayer, writeArchive } from './archives.js';

const fixture = servingFixture();

const amd = makeLayer('amd64');
const other = makeLayer('other');
const refName = (ref: string) => ({ annotations: { 'org.opencontainers.image.ref.name': ref } });

/** Writes pack entries as files: an OCI layout folder as `skopeo copy ... oci:DIR` leaves it. */
async function writeTree(root: string, entries: PackEntry[]): Promise<string> {
  for (const e of entries) {
    const path = join(root, e.name);
    await mkdir(dirname(path), { recursive: true });
    const data = e.data === undefined ? '' : Buffer.isBuffer(e.data) || typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    await writeFile(path, data);
  }
  return root;
}

async function loadError(paths: string[], recursive = false, strict = false): Promise<string> {
  const error = await loadImages(paths, { recursive, strict }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadError);
  expect((error as LoadError).message).not.toContain('\n');
  return (error as LoadError).message;
}

describe('OCI layout folder', () => {
  it('serves blobs from DIR/blobs/<alg>/<hex>, each a whole-file source', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const root = await writeTree(join(fixture.dir, 'layout'), oci.pack([{ ...m, ...refName('quay.io/org/tool:2') }]));
    const model = await loadImages([root]);
    expect(model.images[0]).toMatchObject({ registry: 'quay.io', repository: 'org/tool', tag: '2', digest: m.digest, tarPath: root });
    const sources = [...model.blobs.values()].map((b) => b.source);
    expect(sources.every((s) => s.kind === 'file' && s.path.startsWith(join(root, 'blobs/sha256/')))).toBe(true);
    const s = await fixture.serve(model);
    expect((await pull(s.pool, 'org/tool', '2')).blobs).toHaveLength(2);
  });

  it('a bare ref.name tag takes the folder name', async () => {
    const oci = new OciLayout();
    const root = await writeTree(join(fixture.dir, 'talos-cache'), oci.pack([{ ...oci.image([amd]), ...refName('v1') }]));
    expect((await loadImages([`${root}/`])).images[0]).toMatchObject({ repository: 'library/talos-cache', tag: 'v1' });
  });

  it('index.json naming a blob the folder lacks: one line', async () => {
    const oci = new OciLayout();
    const m = oci.image([amd]);
    const entries = oci.pack([m]).filter((e) => !e.name.endsWith(oci.blob(amd.gzip).digest.slice(7)));
    const root = await writeTree(join(fixture.dir, 'broken-layout'), entries);
    expect(await loadError([root])).toMatch(new RegExp(`^${root}: blobs/sha256/\\w+: listed in blobs/sha256/\\w+ but missing from the archive$`));
  });
});

describe('folder of archives', () => {
  let folder: string;
  beforeAll(async () => {
    folder = join(fixture.dir, 'images');
    await mkdir(join(folder, 'sub'), { recursive: true });
    const oci = new OciLayout();
    const layout = oci.pack([{ ...oci.image([other]), ...refName('ghcr.io/org/b:1') }]);
    await writeArchive(folder, 'b.tar', layout);
    const a = await writeArchive(fixture.dir, 'a.tar', craneEntries(['docker.io/library/a:1'], [amd]));
    await writeFile(join(folder, 'a.tar.gz'), gzipSync(readFileSync(a)));
    await writeFile(join(folder, 'images.txt'), 'docker.io/library/a:1\n');
    await writeArchive(join(folder, 'sub'), 'c.tar', craneEntries(['docker.io/library/c:1'], [amd]));
  });

  it('loads every archive in name order, any format; skips other files with a warning', async () => {
    const model = await loadImages([folder]);
    expect(model.images.map((i) => `${i.repository}:${i.tag}`)).toEqual(['library/a:1', 'org/b:1']);
    expect(model.images.map((i) => i.tarPath)).toEqual([join(folder, 'a.tar.gz'), join(folder, 'b.tar')]);
    expect(model.warnings).toEqual([
      `${join(folder, 'images.txt')}: not an image archive; skipped`,
      `${join(folder, 'sub')}: a subfolder, not searched (serve its archives with --recursive)`,
    ]);
  });

  it('an OCI layout folder in it is an input like an archive, without --recursive', async () => {
    const withLayout = join(fixture.dir, 'with-layout');
    await mkdir(withLayout);
    await writeArchive(withLayout, 'a.tar', craneEntries(['docker.io/library/a:1'], [amd]));
    const oci = new OciLayout();
    const m = oci.image([other]);
    const layout = await writeTree(join(withLayout, 'tool.oci'), oci.pack([{ ...m, ...refName('quay.io/org/tool:2') }]));
    const model = await loadImages([withLayout]);
    expect(model.images.map((i) => [`${i.registry}/${i.repository}:${i.tag}`, i.tarPath])).toEqual([
      ['docker.io/library/a:1', join(withLayout, 'a.tar')],
      ['quay.io/org/tool:2', layout],
    ]);
    expect(model.warnings).toEqual([]);
    const s = await fixture.serve(model);
    expect((await pull(s.pool, 'org/tool', '2')).blobs).toHaveLength(2);
  });

  it('searches subfolders only with --recursive', async () => {
    const model = await loadImages([folder], { recursive: true });
    expect(model.images.map((i) => `${i.repository}:${i.tag}`)).toEqual(['library/a:1', 'org/b:1', 'library/c:1']);
  });

  it('the same tag for two digests across archives (--strict): one line naming both files', async () => {
    const clash = join(fixture.dir, 'clash');
    await mkdir(clash);
    await writeArchive(clash, '1.tar', craneEntries(['app:1'], [amd]));
    await writeArchive(clash, '2.tar', craneEntries(['app:1'], [other]));
    const warned = await loadImages([clash]);
    expect(warned.warnings).toEqual([expect.stringMatching(new RegExp(`^tag docker.io/library/app:1 is sha256:\\w+ in ${clash}/1.tar and sha256:\\w+ in ${clash}/2.tar: serving the first`))]);
    expect(await loadError([clash], false, true)).toMatch(new RegExp(`^${clash}/2.tar: tag docker.io/library/app:1 names sha256:\\w+ here but is already claimed by sha256:\\w+ in ${clash}/1.tar$`));
  });

  it('a folder with no archive: one line, with the --recursive hint', async () => {
    const empty = join(fixture.dir, 'empty');
    await mkdir(join(empty, 'nested'), { recursive: true });
    await writeFile(join(empty, 'README'), 'not an archive');
    expect(await loadError([empty])).toBe(`${empty}: a folder with no image archive (tar, tar.gz, tar.zst) and no OCI layout in it (subfolders are searched with --recursive)`);
    expect(await loadError([empty], true)).toBe(`${empty}: a folder with no image archive (tar, tar.gz, tar.zst) and no OCI layout in it or its subfolders`);
  });
});
