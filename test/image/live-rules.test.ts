// The pure decisions of live content: settling, planning a reload, the reload's log line.
import { describe, expect, it } from 'vitest';
import { COARSE_MTIME_MS, describeReload, observe, planReload, settleWait, type Seen } from '../../src/image/live-rules.js';
import type { ImageModel, ImageRecord } from '../../src/model.js';
import type { FileIdentity } from '../../src/source/identity.js';

const NOW = 1_000_000;
const id = (ino: number, size = 100, mtimeMs = NOW - 60_000): FileIdentity => ({ dev: 1, ino, size, mtimeMs, ctimeMs: mtimeMs, nlink: 1 });
const seenAt = (identity: FileIdentity, since: number): Seen => ({ identity, since });

describe('settleWait', () => {
  it.each([
    ['first seen now, written a minute ago (moved in): at once', seenAt(id(1), NOW), 0],
    ['first seen now, written just now: the whole settle time', seenAt(id(1, 100, NOW), NOW), 1000],
    ['seen unchanged for the settle time: at once', seenAt(id(1, 100, NOW - 1000), NOW - 1000), 0],
    ['seen unchanged for 400 ms, written just before: 600 ms more', seenAt(id(1, 100, NOW - 450), NOW - 400), 600],
    // vfat's mtime may be 2 s behind a write under way: an mtime 1.5 s old proves nothing.
    ['first seen now, mtime 1.5 s old: watched for the settle time', seenAt(id(1, 100, NOW - 1500), NOW), 1000],
    ['first seen now, mtime older than settle + coarse slack: at once', seenAt(id(1, 100, NOW - 1000 - COARSE_MTIME_MS), NOW), 0],
  ])('%s', (_what, seen, wait) => expect(settleWait(seen, NOW, 1000)).toBe(wait));
});

describe('observe', () => {
  it('keeps the first sighting while a file is unchanged and restarts it when it changes', () => {
    const first = observe(new Map(), new Map([['a', id(1)], ['b', id(2)]]), NOW);
    const later = observe(first, new Map([['a', id(1)], ['b', id(2, 200)], ['c', id(3)]]), NOW + 500);
    expect(later.get('a')?.since).toBe(NOW);
    expect(later.get('b')?.since).toBe(NOW + 500);
    expect(later.get('c')?.since).toBe(NOW + 500);
  });

  it('forgets files gone', () => {
    expect([...observe(new Map([['a', seenAt(id(1), NOW)]]), new Map(), NOW).keys()]).toEqual([]);
  });
});

describe('planReload', () => {
  const plan = (loaded: [string, FileIdentity][], seen: [string, Seen][], extra: { failed?: string; named?: string[]; force?: boolean } = {}) =>
    planReload({ loaded: new Map(loaded), seen: new Map(seen), named: new Set(extra.named ?? []), now: NOW, settleMs: 1000, ...(extra.failed !== undefined && { failed: extra.failed }), ...(extra.force && { force: true }) });

  it('does nothing while the files are as loaded', () => {
    expect(plan([['a', id(1)]], [['a', seenAt(id(1), NOW)]])).toEqual({ kind: 'idle' });
  });

  it('loads a settled new file and a removal at once', () => {
    const p = plan([['a', id(1)], ['gone', id(9)]], [['a', seenAt(id(1), NOW)], ['b', seenAt(id(2), NOW)]]);
    expect(p.kind).toBe('load');
    expect(p.kind === 'load' && [...p.target.keys()]).toEqual(['a', 'b']);
  });

  it('leaves a new file still being written out of the load, and looks again when it may have settled', () => {
    const p = plan([['a', id(1)]], [['a', seenAt(id(1), NOW)], ['half', seenAt(id(2, 50, NOW), NOW - 300)]]);
    expect(p).toEqual({ kind: 'idle', recheckMs: 700 });
  });

  it('holds the whole load while a served file is being rewritten', () => {
    const p = plan([['a', id(1)]], [['a', seenAt(id(1, 300, NOW), NOW - 200)], ['b', seenAt(id(2), NOW)]]);
    expect(p).toEqual({ kind: 'wait', ms: 800 });
  });

  it('holds the whole load while a file named on the command line is being written', () => {
    expect(plan([], [['named.tar', seenAt(id(1, 10, NOW), NOW)]], { named: ['named.tar'] })).toEqual({ kind: 'wait', ms: 1000 });
  });

  it('does not try again a set of files that failed, until one of them changes', () => {
    const failed = plan([['a', id(1)]], [['a', seenAt(id(1), NOW)], ['bad', seenAt(id(2), NOW)]]);
    if (failed.kind !== 'load') throw new Error('expected a load');
    const { fingerprint } = { fingerprint: [...failed.target].map(([p, i]) => `${p}\0${i.dev}:${i.ino}:${i.size}:${i.mtimeMs}:${i.ctimeMs}`).sort().join('\n') };
    expect(plan([['a', id(1)]], [['a', seenAt(id(1), NOW)], ['bad', seenAt(id(2), NOW)]], { failed: fingerprint })).toEqual({ kind: 'idle' });
    expect(plan([['a', id(1)]], [['a', seenAt(id(1), NOW)], ['bad', seenAt(id(3), NOW)]], { failed: fingerprint }).kind).toBe('load');
  });

  it('loads on SIGHUP even when nothing changed', () => {
    expect(plan([['a', id(1)]], [['a', seenAt(id(1), NOW)]], { force: true }).kind).toBe('load');
  });
});

describe('describeReload', () => {
  const image = (repository: string, tag: string | undefined, digest: string, registry = 'docker.io'): ImageRecord => ({
    tarPath: 'x.tar', registry, repository, aliases: [], digest, mediaType: 'm', origin: 'stored', platforms: [], layers: 1, size: 1, ...(tag !== undefined && { tag }),
  });
  const model = (images: ImageRecord[]) => ({ images }) as unknown as ImageModel;

  it('names the images added, removed and changed, in one line', () => {
    const before = model([image('library/a', '1', 'sha256:a1'), image('b', '1', 'sha256:b1'), image('c', '2', 'sha256:c2')]);
    const after = model([image('library/a', '1', 'sha256:a1'), image('c', '2', 'sha256:c3'), image('org/d', '1', 'sha256:d1', 'ghcr.io'), image('e', undefined, 'sha256:e')]);
    expect(describeReload(before, after)).toBe('content reloaded: 4 images (added ghcr.io/org/d:1, e@sha256:e; removed b:1; changed c:2)');
  });

  it('ends with the load time when given', () => {
    const same = model([image('a', '1', 'sha256:a')]);
    expect(describeReload(same, same, 41.6)).toBe('content reloaded: 1 image, no image added or removed; loaded in 42 ms');
  });

  it('says when no image was added or removed', () => {
    const same = model([image('a', '1', 'sha256:a')]);
    expect(describeReload(same, same)).toBe('content reloaded: 1 image, no image added or removed');
  });

  it('lists ten names and counts the rest', () => {
    const after = model(Array.from({ length: 13 }, (_, i) => image(`r${i}`, '1', `sha256:${i}`)));
    expect(describeReload(model([]), after)).toBe(`content reloaded: 13 images (added ${Array.from({ length: 10 }, (_, i) => `r${i}:1`).join(', ')} and 3 more)`);
  });
});
