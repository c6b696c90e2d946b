// `serve --push-to` following reloads (src/serve-push.ts): which references are new, what the pusher
// is handed and when, and the one line per reload; then the content owner's onReload callback,
// through serveContent on a watched folder, as `serve` wires it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImageModel, ImageRecord, Manifest, Refusal } from '../src/model.js';
import { followReloads, newRecords, pushKey, referenceKey } from '../src/serve-push.js';
import { loadImages } from '../src/image/load.js';
import { tempDir } from './helpers/pack.js';
import { hex, makeLayer, OciLayout, writeArchive } from './image/archives.js';
import { haulerStore, referrer } from './image/tool-layouts.js';
import { dropIn, eventually, imageArchive, startLive, writeGarbage, type LiveServer } from './registry/live.js';

const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

function record(name: string, n: number, extra: Partial<ImageRecord> = {}): ImageRecord {
  const [repository, tag] = name.split(':') as [string, string | undefined];
  return { tarPath: 'x.tar', registry: 'docker.io', repository, aliases: [], ...(tag !== undefined && { tag }), digest: digest(n), mediaType: 'application/vnd.oci.image.manifest.v1+json', origin: 'stored', platforms: ['linux/amd64'], layers: 1, size: 1, ...extra };
}

function model(images: ImageRecord[], refused?: Map<string, Refusal>): ImageModel {
  return { manifests: new Map(), blobs: new Map(), repositories: new Map(), images, warnings: ['loaded with a warning'], ...(refused && { refused }) };
}

/** `images`, with a manifest for each and a referrer (OCI 1.1 `subject`) of each digest in `signed`. */
function withReferrers(images: ImageRecord[], signed: string[]): ImageModel {
  const m = model(images);
  const manifest = (digest: string, subject?: string): Manifest => ({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('{}'), origin: 'stored', ...(subject !== undefined && { subject }) });
  for (const r of images) m.manifests.set(r.digest, manifest(r.digest));
  signed.forEach((subject, i) => m.manifests.set(digest(900 + i), manifest(digest(900 + i), subject)));
  return m;
}

const unsigned: Refusal = { reason: 'unsigned', message: 'no signature' };
const keys = (records: ImageRecord[]) => new Set(records.map(referenceKey));

describe('newRecords', () => {
  const a = record('app/a:1', 1);
  const pushed = keys([a]);

  it('an added image is new, the same reference again is not', () => {
    const b = record('app/b:1', 2);
    expect(newRecords(model([a, b]), pushed)).toEqual([b]);
    expect(newRecords(model([a]), pushed)).toEqual([]);
  });

  it('a tag moved to another digest is new; the same digest under a new tag or registry too', () => {
    const moved = record('app/a:1', 3);
    const retagged = record('app/a:2', 1);
    const ghcr = record('app/a:1', 1, { registry: 'ghcr.io' });
    expect(newRecords(model([moved, retagged, ghcr]), pushed)).toEqual([moved, retagged, ghcr]);
  });

  it('a pushed image is new again once a referrer of it arrives (a signature attached later), and not after', () => {
    const pushedAlone = new Set([pushKey(withReferrers([a], []), a)]);
    const signed = withReferrers([a], [a.digest]);
    expect(newRecords(signed, pushedAlone)).toEqual([a]);
    expect(newRecords(signed, new Set([pushKey(signed, a)]))).toEqual([]);
  });

  it('as the loader reads them: a hauler store that gains an SBOM referrer makes its image new again', async () => {
    const dir = await tempDir('sr-push-referrer-');
    try {
      const oci = new OciLayout();
      const image = oci.image([makeLayer('app')]);
      const ref = 'index.docker.io/team/app:1';
      const before = await loadImages([await writeArchive(dir, 'before.tar', haulerStore(oci, [{ ref, image, kind: 'dev.hauler/image' }]))]);
      const pushed = new Set(before.images.map((r) => pushKey(before, r)));
      expect(newRecords(before, pushed)).toEqual([]);
      const sbom = referrer(oci, image, 'application/spdx+json');
      const items = [{ ref, image, kind: 'dev.hauler/image' }, { ref: `index.docker.io/team/app@${sbom.digest}`, image: sbom, kind: `dev.hauler/referrers/${hex(sbom.digest)}` }];
      const after = await loadImages([await writeArchive(dir, 'after.tar', haulerStore(oci, items))]);
      expect(newRecords(after, pushed).map((r) => r.digest)).toContain(image.digest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refused images are not served, so not new (by the model\'s refusals or the record\'s verdict)', () => {
    const b = record('app/b:1', 2);
    const c = record('app/c:1', 4, { trust: { refused: unsigned } });
    expect(newRecords(model([a, b, c], new Map([[b.digest, unsigned]])), pushed)).toEqual([]);
  });
});

/** A pusher that records what it is handed and answers `results` in turn (true once they run out). */
function fakePusher(results: boolean[] = []) {
  const handed: ImageModel[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  return {
    handed,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release?.(),
    async push(m: ImageModel) {
      handed.push(m);
      if (gate) await gate;
      return results.shift() ?? true;
    },
  };
}

function follower(results?: boolean[]) {
  const pusher = fakePusher(results);
  const lines: string[] = [];
  return { pusher, lines, f: followReloads(pusher, 'target:5000', (l) => lines.push(l)) };
}

describe('followReloads', () => {
  const a = record('app/a:1', 1);
  const b = record('app/b:1', 2);
  const c = record('app/c', 3);

  it('pushes everything first, then only what a reload adds, one line each reload', async () => {
    const { pusher, lines, f } = follower();
    const first = model([a]);
    f.start(first);
    await f.idle();
    expect(pusher.handed).toEqual([first]);
    expect(lines).toEqual([]);
    f.reloaded(model([a, b, c]));
    await f.idle();
    expect(pusher.handed[1]!.images).toEqual([b, c]);
    expect(pusher.handed[1]!.warnings).toEqual([]);
    expect(lines).toEqual([`reload: pushed 2 new images to target:5000 (app/b:1, app/c@${c.digest})`]);
  });

  it('a referrer added to a pushed image pushes that image again, said as such', async () => {
    const { pusher, lines, f } = follower();
    f.start(withReferrers([a, b], []));
    const signed = withReferrers([a, b], [a.digest]);
    f.reloaded(signed);
    await f.idle();
    expect(pusher.handed[1]!.images).toEqual([a]);
    expect(pusher.handed[1]!.manifests.get(digest(900))?.subject).toBe(a.digest);
    expect(lines).toEqual(['reload: pushed 1 image with new referrers to target:5000 (app/a:1)']);
    f.reloaded(withReferrers([a, b, c], [a.digest]));
    await f.idle();
    expect(lines[1]).toBe(`reload: pushed 1 new image to target:5000 (app/c@${c.digest})`);
  });

  it('names five images at most, another registry than Docker Hub first', async () => {
    const { lines, f } = follower();
    f.start(model([]));
    const six = [1, 2, 3, 4, 5, 6].map((n) => record(`app/n${n}:1`, 10 + n, n === 1 ? { registry: 'ghcr.io' } : {}));
    f.reloaded(model(six));
    await f.idle();
    expect(lines).toEqual(['reload: pushed 6 new images to target:5000 (ghcr.io/app/n1:1, app/n2:1, app/n3:1, app/n4:1, app/n5:1 and 1 more)']);
  });

  it('a reload with nothing new pushes nothing and says so', async () => {
    const { pusher, lines, f } = follower();
    f.start(model([a, b]));
    f.reloaded(model([b]));
    await f.idle();
    expect(pusher.handed).toHaveLength(1);
    expect(lines).toEqual(['reload: nothing new to push to target:5000']);
  });

  it('after a failed first push, the next reload pushes everything served', async () => {
    const { pusher, lines, f } = follower([false]);
    f.start(model([a]));
    f.reloaded(model([a, b]));
    await f.idle();
    expect(pusher.handed[1]!.images).toEqual([a, b]);
    expect(lines).toEqual(['reload: pushed 2 new images to target:5000 (app/a:1, app/b:1)']);
  });

  it('a failed reload push is tried again at the next reload', async () => {
    const { pusher, lines, f } = follower([true, false]);
    f.start(model([a]));
    f.reloaded(model([a, b]));
    await f.idle();
    f.reloaded(model([a, b]));
    await f.idle();
    expect(pusher.handed.map((m) => m.images)).toEqual([[a], [b], [b]]);
    expect(lines).toEqual(['reload: 1 new image not pushed to target:5000; tried again at the next reload (or SIGHUP)', 'reload: pushed 1 new image to target:5000 (app/b:1)']);
  });

  it('reloads while a push is under way are folded into one push of the content served last', async () => {
    const { pusher, lines, f } = follower();
    pusher.hold();
    f.start(model([a]));
    f.reloaded(model([a, b]));
    f.reloaded(model([a, c]));
    pusher.release();
    await f.idle();
    expect(pusher.handed.map((m) => m.images)).toEqual([[a], [c]]);
    expect(lines).toHaveLength(1);
  });

  it('under a signature policy a refused new image is not pushed', async () => {
    const { pusher, lines, f } = follower();
    f.start(model([a]));
    f.reloaded(model([a, b], new Map([[b.digest, unsigned]])));
    await f.idle();
    expect(pusher.handed).toHaveLength(1);
    expect(lines).toEqual(['reload: nothing new to push to target:5000']);
  });
});

describe('serveContent onReload', () => {
  let root = '';
  let server: LiveServer | undefined;
  beforeAll(async () => {
    root = await tempDir('sr-onreload-');
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is called with each model a reload serves, and not for a load that failed', async () => {
    const dir = join(root, 'images');
    mkdirSync(dir);
    await dropIn(join(dir, 'a.tar'), imageArchive('live/a:1', 1));
    const reloaded: ImageModel[] = [];
    server = await startLive([dir], { onReload: (m) => reloaded.push(m) });
    const s = server;
    expect(reloaded).toEqual([]);
    await dropIn(join(dir, 'b.tar'), imageArchive('live/b:1', 2));
    await eventually('one reload', () => reloaded.length === 1);
    expect(reloaded[0]!.images.map((r) => `${r.repository}:${r.tag}`).sort()).toEqual(['live/a:1', 'live/b:1']);
    // Called after the reload line: the push line follows it in the log.
    expect(s.info).toHaveLength(1);
    writeGarbage(join(dir, 'c.tar'));
    await eventually('the failed reload', () => s.live.reloads.failed === 1);
    await s.live.idle();
    expect(reloaded).toHaveLength(1);
  });
});
