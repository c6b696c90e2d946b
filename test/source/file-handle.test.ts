// The loader's and the blob reads' open files (src/source/file-handle.ts): node:fs's callbacks
// with node:fs/promises' FileHandle behaviour where it keeps bytes right, a descriptor never
// closed under a read still under way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLS_PER_TURN, open, openBeforeServing, readdir, stat } from '../../src/source/file-handle.js';
import { tempDir } from '../helpers/pack.js';

const dir = await tempDir('sr-file-handle-');
const MIB = 1024 * 1024;
const big = join(dir, 'big');
writeFileSync(big, Buffer.alloc(8 * MIB, 7));
writeFileSync(join(dir, 'small'), 'abcdef');
mkdirSync(join(dir, 'sub'));

describe('open', () => {
  it('reads at a position, and stats the open file', async () => {
    const file = await open(join(dir, 'small'), 'r');
    const buffer = Buffer.alloc(4);
    const { bytesRead, buffer: same } = await file.read(buffer, 1, 3, 2);
    expect(bytesRead).toBe(3);
    expect(same).toBe(buffer);
    expect(buffer.subarray(1).toString()).toBe('cde');
    expect((await file.stat()).size).toBe(6);
    await file.close();
  });

  it('closes only once the reads under way are done, and every read is of its own file', async () => {
    // Five rounds: a close that did not wait would finish before some of the 32 reads most times.
    for (let round = 0; round < 5; round++) {
      const file = await open(big, 'r');
      const events: string[] = [];
      const reads = Array.from({ length: 32 }, (_, i) =>
        file.read(Buffer.alloc(MIB), 0, MIB, (i % 8) * MIB).then(({ bytesRead, buffer }) => {
          events.push('read');
          expect(bytesRead).toBe(MIB);
          expect(buffer.every((b) => b === 7)).toBe(true);
        }),
      );
      const closed = file.close().then(() => events.push('closed'));
      await Promise.all([...reads, closed]);
      expect(events).toEqual([...Array(32).fill('read'), 'closed']);
    }
  });

  it('refuses a read or a stat once close is called, and a second close is the first', async () => {
    const file = await open(join(dir, 'small'), 'r');
    const closing = file.close();
    expect(file.close()).toBe(closing);
    await expect(file.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'read' });
    await expect(file.stat()).rejects.toMatchObject({ code: 'EBADF', syscall: 'fstat' });
    await closing;
  });

  it('rejects as node:fs/promises does for a missing file', async () => {
    await expect(open(join(dir, 'missing'), 'r')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open', path: join(dir, 'missing') });
  });
});

describe('stat and readdir', () => {
  it('stat a file, and refuse a missing one', async () => {
    expect((await stat(big)).size).toBe(8 * MIB);
    await expect(stat(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('list names, or entries with their types', async () => {
    expect((await readdir(dir)).sort()).toEqual(['big', 'small', 'sub']);
    const entries = await readdir(dir, { withFileTypes: true });
    expect(entries.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(['sub']);
    await expect(readdir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'scandir' });
  });
});

describe('blocking', () => {
  it('opens, reads, stats, lists and closes the same without the thread pool, and rejects the same', async () => {
    const file = await open(join(dir, 'small'), 'r', true);
    const { bytesRead, buffer } = await file.read(Buffer.alloc(3), 0, 3, 2);
    expect([bytesRead, buffer.toString()]).toEqual([3, 'cde']);
    expect((await file.stat()).size).toBe(6);
    await file.close();
    await expect(file.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
    expect((await stat(big, true)).size).toBe(8 * MIB);
    expect((await readdir(dir, undefined, true)).sort()).toEqual(['big', 'small', 'sub']);
    expect((await readdir(dir, { withFileTypes: true }, true)).filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(['sub']);
    await expect(open(join(dir, 'missing'), 'r', true)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open', path: join(dir, 'missing') });
    await expect(stat(join(dir, 'missing'), true)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('openBeforeServing', () => {
  it('opens at once, and its handle then reads and closes as any other', async () => {
    const file = await openBeforeServing(big);
    const { bytesRead, buffer } = await file.read(Buffer.alloc(MIB), 0, MIB, MIB);
    expect(bytesRead).toBe(MIB);
    expect(buffer.every((b) => b === 7)).toBe(true);
    await file.close();
    await expect(file.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(openBeforeServing(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
  });
});

describe('blocking calls and the event loop', () => {
  it('give the loop a turn every CALLS_PER_TURN calls, so a signal is handled during a long load', async () => {
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      for (let i = 0; i < 5 * CALLS_PER_TURN; i++) await stat(big, true);
    } finally {
      clearInterval(ticking);
    }
    expect(turns).toBeGreaterThan(0);
  });
});
