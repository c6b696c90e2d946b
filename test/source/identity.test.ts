// File identity and the checks made on an open descriptor before and during transfers.
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Source } from '../../src/model.js';
import { SourceFiles } from '../../src/source/files.js';
import { describeIdentityChange, type FileIdentity, identityOf, sameIdentity } from '../../src/source/identity.js';
import { FileChangedError, PinnedFiles } from '../../src/source/pinned.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base: FileIdentity = { dev: 1, ino: 2, size: 100, mtimeMs: 5000, ctimeMs: 5000, nlink: 1 };

describe('sameIdentity', () => {
  it.each([
    ['the same', base, true],
    ['another inode', { ...base, ino: 3 }, false],
    ['another size', { ...base, size: 101 }, false],
    ['another mtime', { ...base, mtimeMs: 5001 }, false],
    ['ctime moved alone (rewritten with its mtime kept)', { ...base, ctimeMs: 6000 }, false],
    ['ctime moved with a name lost (removed, or renamed over)', { ...base, ctimeMs: 6000, nlink: 0 }, true],
  ])('%s: %s', (_what, other, same) => expect(sameIdentity(base, other)).toBe(same));
});

describe('describeIdentityChange', () => {
  it.each([
    [{ ...base, size: 50 }, 'truncated from 100 to 50 bytes'],
    [{ ...base, size: 150 }, 'grew from 100 to 150 bytes'],
    [{ ...base, mtimeMs: 9 }, 'rewritten in place'],
    [{ ...base, ino: 9 }, 'replaced by another file'],
  ])('%j: %s', (now, text) => expect(describeIdentityChange(base, now)).toBe(text));
});

describe('PinnedFiles', () => {
  it('finds a file written in place through its descriptor, tells once, and keeps saying so', async () => {
    const path = join(dir, 'a.tar');
    writeFileSync(path, Buffer.alloc(4096, 1));
    const handle = await open(path, 'r');
    const told: string[] = [];
    const pins = new PinnedFiles(new Map([[path, identityOf(statSync(path))]]), (p, problem) => told.push(`${p}: ${problem}`));
    expect(pins.check(path, handle.fd)).toBeUndefined();
    appendFileSync(path, 'x');
    expect(pins.check(path, handle.fd)).toBe('grew from 4096 to 4097 bytes');
    truncateSync(path, 4096);
    expect(pins.check(path, handle.fd)).toBe('grew from 4096 to 4097 bytes');
    expect(told).toEqual([`${path}: grew from 4096 to 4097 bytes`]);
    await handle.close();
  });

  it('a file renamed over stays as it was through its descriptor', async () => {
    const path = join(dir, 'b.tar');
    writeFileSync(path, Buffer.alloc(4096, 1));
    const handle = await open(path, 'r');
    const pins = new PinnedFiles(new Map([[path, identityOf(statSync(path))]]));
    writeFileSync(join(dir, '.b.tar'), Buffer.alloc(8192, 2));
    renameSync(join(dir, '.b.tar'), path);
    expect(pins.check(path, handle.fd)).toBeUndefined();
    await handle.close();
  });

  it('files not pinned (a decompressed copy) are not checked', () => {
    expect(new PinnedFiles().check('/proc/self/fd/99', -1)).toBeUndefined();
  });
});

describe('SourceFiles with pinned identities', () => {
  it('answers a problem before a transfer and cuts one whose file is rewritten midway, before its bytes go out', async () => {
    const path = join(dir, 'c.tar');
    writeFileSync(path, Buffer.alloc(1 << 20, 7));
    const source: Source = { kind: 'tar', path, offset: 0, size: 1 << 20 };
    const files = await SourceFiles.open([source], { chunk: 64 * 1024, pins: new PinnedFiles(new Map([[path, identityOf(statSync(path))]])) });
    expect(files.problem(source)).toBeUndefined();
    let taken = 0;
    let wrong = 0;
    const out = new Writable({
      write(chunk: Buffer, _e, cb) {
        taken += chunk.length;
        wrong += chunk.filter((b) => b !== 7).length;
        // After the first chunk, the file is rewritten in place: no later chunk may go out.
        if (taken === 64 * 1024) writeFileSync(path, Buffer.alloc(1 << 20, 8));
        cb();
      },
    });
    const error = await files.writeRange(source, { start: 0, end: (1 << 20) - 1 }, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    // Reads before the rewrite may still go out (their bytes are the old, right ones); none after it.
    expect(wrong).toBe(0);
    expect(taken).toBeLessThan(1 << 20);
    expect(files.problem(source)).toBe('rewritten in place');
    expect(files.checkAll()).toEqual([`${path}: rewritten in place`]);
    await files.close();
  });
});
