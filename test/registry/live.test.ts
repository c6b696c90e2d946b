// Live content, in process: a watched folder of archives changed while the registry serves it.
import { appendFileSync, mkdirSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/pack.js';
import { archiveBytes, dropIn, eventually, imageArchive, manifestOf, sha256, startLive, writeGarbage, type LiveServer } from './live.js';

let root = '';
let n = 0;
let server: LiveServer | undefined;
beforeAll(async () => {
  root = await tempDir('sr-live-');
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A new watched folder holding `first` as a.tar, served. */
async function serving(o: Parameters<typeof startLive>[1] = {}) {
  const dir = join(root, `f${n++}`);
  mkdirSync(dir);
  await dropIn(join(dir, 'a.tar'), imageArchive('live/a:1', 1));
  server = await startLive([dir], o);
  return { dir, s: server };
}

async function blob(s: LiveServer, digest: string, range?: string) {
  const res = await s.pool.request({ method: 'GET', path: `/v2/live/a/blobs/${digest}`, headers: range ? { range } : {} });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** The reload lines, without their load time. */
const reloadLines = (s: LiveServer) => s.info.map((l) => l.replace(/; loaded in \d+ ms$/, ''));

/** Descriptors of this process open on `target` (as /proc names it: a removed file ends in ` (deleted)`). */
function openFilesNamed(target: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false;
    }
  }).length;
}

const served = (s: LiveServer, name: string) => async () => (await manifestOf(s.pool, name, '1')).status === 200;
const gone = (s: LiveServer, name: string) => async () => (await manifestOf(s.pool, name, '1')).status === 404;

describe('a watched folder', () => {
  it('serves an archive moved in, logs it once, and counts it', async () => {
    const { dir, s } = await serving();
    const b = imageArchive('live/b:1', 2);
    await dropIn(join(dir, 'b.tar'), b);
    await eventually('live/b:1 served', served(s, 'live/b'));
    expect(reloadLines(s)).toEqual(['content reloaded: 2 images (added live/b:1)']);
    expect(s.live.reloads).toEqual({ ok: 1, failed: 0 });
    expect(s.live.images).toBe(2);
    const [digest, bytes] = [...b.blobs][1]!;
    const got = await s.pool.request({ method: 'GET', path: `/v2/live/b/blobs/${digest}` });
    expect(sha256(Buffer.from(await got.body.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('takes a removed archive out of the catalog and answers 404 for it', async () => {
    const { dir, s } = await serving();
    await dropIn(join(dir, 'b.tar'), imageArchive('live/b:1', 2));
    await eventually('b served', served(s, 'live/b'));
    rmSync(join(dir, 'b.tar'));
    await eventually('b gone', gone(s, 'live/b'));
    const catalog = await s.pool.request({ method: 'GET', path: '/v2/_catalog' });
    expect(await catalog.body.json()).toEqual({ repositories: ['live/a'] });
    expect(reloadLines(s).at(-1)).toBe('content reloaded: 1 image (removed live/b:1)');
  });

  it('neither loads nor reports dot-files, *.part files and a file still being written', async () => {
    const { dir, s } = await serving({ settleMs: 400 });
    const bytes = await archiveBytes(dir, imageArchive('live/slow:1', 3));
    writeFileSync(join(dir, '.hidden.tar'), bytes);
    writeFileSync(join(dir, 'download.tar.part'), bytes);
    // Written in pieces 100 ms apart: never still for the settle time until the last one.
    const slow = join(dir, 'slow.tar');
    const piece = Math.ceil(bytes.length / 8);
    for (let at = 0; at < bytes.length; at += piece) {
      appendFileSync(slow, bytes.subarray(at, at + piece));
      await new Promise((r) => setTimeout(r, 100));
      expect((await manifestOf(s.pool, 'live/slow', '1')).status).toBe(404);
    }
    await eventually('slow.tar served once written', served(s, 'live/slow'));
    expect(s.errors).toEqual([]);
    expect(s.warnings).toEqual([]);
    expect(reloadLines(s)).toEqual(['content reloaded: 2 images (added live/slow:1)']);
  });

  it('keeps serving what it served when a file fails to load, logs one line, and retries once it changes', async () => {
    const { dir, s } = await serving();
    writeGarbage(join(dir, 'bad.tar'));
    await eventually('the failure logged', () => s.errors.length > 0);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatch(/^content reload failed, still serving the 1 image loaded before: .*bad\.tar/);
    expect(s.live.reloads).toEqual({ ok: 0, failed: 1 });
    expect(await served(s, 'live/a')()).toBe(true);
    // Ready: what was served is still served whole.
    expect(s.registry.changedFiles()).toEqual([]);
    // Not tried again while unchanged (the rescans see the same file).
    await new Promise((r) => setTimeout(r, 600));
    expect(s.errors).toHaveLength(1);
    await dropIn(join(dir, 'bad.tar'), imageArchive('live/fixed:1', 4));
    await eventually('the fixed file served', served(s, 'live/fixed'));
    expect(s.live.reloads).toEqual({ ok: 1, failed: 1 });
  });

  it('a file renamed over: a transfer under way finishes from the old file, new requests get the new one', async () => {
    const { dir, s } = await serving();
    // Larger than loopback socket buffers: the transfer is still reading from the file at the swap.
    const before = imageArchive('live/a:1', 1, 2, 16 * 1024 * 1024);
    await dropIn(join(dir, 'a.tar'), before);
    await eventually('the large a served', async () => (await manifestOf(s.pool, 'live/a', '1')).body.includes(Buffer.from([...before.blobs.keys()][1]!)));
    const [digest, bytes] = [...before.blobs][1]!;
    // A slow reader: the response is started, then the file is replaced, then it is read.
    const res = await s.pool.request({ method: 'GET', path: `/v2/live/a/blobs/${digest}`, highWaterMark: 1024 });
    await dropIn(join(dir, 'a.tar'), imageArchive('live/a:1', 9, 2, 16 * 1024 * 1024));
    await eventually('the new a served', async () => !(await manifestOf(s.pool, 'live/a', '1')).body.includes(Buffer.from(digest)));
    // The old snapshot keeps the replaced file open for the transfer, and closes it after.
    const replaced = `${join(dir, 'a.tar')} (deleted)`;
    expect(openFilesNamed(replaced)).toBeGreaterThan(0);
    expect(sha256(Buffer.from(await res.body.arrayBuffer()))).toBe(sha256(bytes));
    // A pull that resolved the tag before the swap still gets the old blobs by digest for a while.
    const late = await blob(s, digest, 'bytes=0-1023');
    expect(late.status).toBe(206);
    expect(late.body.equals(bytes.subarray(0, 1024))).toBe(true);
    await eventually('the replaced file closed', () => openFilesNamed(replaced) === 0);
    expect((await blob(s, digest)).status).toBe(404);
    expect(s.warnings).toEqual([]);
  });

  it('a file changed in place: its blobs are answered 503 with Retry-After at once, one line, then it is loaded again', async () => {
    const { dir, s } = await serving({ settleMs: 300 });
    const a = imageArchive('live/a:1', 1);
    const [digest] = [...a.blobs.keys()];
    expect((await blob(s, digest!)).status).toBe(200);
    truncateSync(join(dir, 'a.tar'), 2048);
    const answer = await blob(s, digest!, 'bytes=0-99');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('2');
    expect(JSON.parse(answer.body.toString()).errors[0].code).toBe('UNAVAILABLE');
    // What /readyz reports: the current snapshot cannot serve all it lists.
    expect(s.registry.changedFiles()).toEqual([`${join(dir, 'a.tar')}: truncated from ${s.warnings[0]?.match(/from (\d+)/)?.[1]} to 2048 bytes`]);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/a\.tar" truncated from \d+ to 2048 bytes since it was loaded: its blobs are answered 503 until it is loaded again$/);
    writeFileSync(join(dir, 'a.tar'), await archiveBytes(dir, imageArchive('live/a:1', 5)));
    await eventually('the rewritten a served', async () => (await manifestOf(s.pool, 'live/a', '1')).body.includes(Buffer.from([...imageArchive('live/a:1', 5).blobs.keys()][0]!)));
    expect(s.warnings).toHaveLength(1);
    expect(s.registry.changedFiles()).toEqual([]);
  });

  it('SIGHUP (reloadAll) reads every input again and logs the reload', async () => {
    const { s } = await serving();
    s.live.reloadAll();
    await eventually('reloaded', () => s.live.reloads.ok === 1);
    expect(reloadLines(s)).toEqual(['content reloaded: 1 image, no image added or removed']);
  });

  it('with watching off, an archive moved in is served only after SIGHUP', async () => {
    const { dir, s } = await serving({ watch: false });
    await dropIn(join(dir, 'b.tar'), imageArchive('live/b:1', 2));
    await new Promise((r) => setTimeout(r, 500));
    expect(await served(s, 'live/b')()).toBe(false);
    s.live.reloadAll();
    await eventually('b served after SIGHUP', served(s, 'live/b'));
  });
});
