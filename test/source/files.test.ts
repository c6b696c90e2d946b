import { mkdtempSync, writeFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import type { Source } from '../../src/model.js';
import { ShortReadError, SourceFiles } from '../../src/source/files.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SourceFiles.openRange', () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
  const path = join(dir, 'a.tar');
  writeFileSync(path, bytes);
  const source: Source = { kind: 'tar', path, offset: 100, size: 2500 };

  it('streams a whole blob in chunks smaller than it', async () => {
    const files = await SourceFiles.open([source], { chunk: 1024 });
    expect(await buffer(files.openRange(source))).toEqual(bytes.subarray(100, 2600));
    await files.close();
  });

  it('streams a sub-range, both ends inclusive', async () => {
    const files = await SourceFiles.open([source], { chunk: 1024 });
    expect(await buffer(files.openRange(source, { start: 10, end: 1500 }))).toEqual(bytes.subarray(110, 1601));
    await files.close();
  });

  it('streams a memory source', async () => {
    const files = await SourceFiles.open([]);
    const memory: Source = { kind: 'memory', bytes: Buffer.from('hello world') };
    expect((await buffer(files.openRange(memory, { start: 6, end: 10 }))).toString()).toBe('world');
  });

  it('fails with ShortReadError when the file ends inside the blob', async () => {
    const short = join(dir, 'short.tar');
    writeFileSync(short, bytes);
    const s: Source = { kind: 'tar', path: short, offset: 0, size: 3000 };
    const files = await SourceFiles.open([s], { chunk: 1024 });
    truncateSync(short, 1500);
    const error = await buffer(files.openRange(s)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShortReadError);
    // The file's real size (fstat) and what the blob needs, not just where the read stopped.
    expect(error).toMatchObject({ path: short, actual: 1500, needed: 3000 });
    await files.close();
  });
});

describe('SourceFiles.writeRange', () => {
  it('writes the right bytes for many concurrent transfers sharing a budget too small for them', async () => {
    const bytes = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7 + (i >> 11)) % 256));
    const path = join(dir, 'many.tar');
    writeFileSync(path, bytes);
    const source: Source = { kind: 'tar', path, offset: 1000, size: 2_900_000 };
    // 256 KiB for 24 transfers: most of them read in the smallest buffers, some outside the slab.
    const files = await SourceFiles.open([source], { chunk: 64 * 1024, budget: 256 * 1024 });
    const ranges = Array.from({ length: 24 }, (_, i) => ({ start: i * 1000, end: 2_899_999 - i * 5000 }));
    const got = ranges.map(() => [] as Buffer[]);
    // Like a socket, each write is copied out before its callback: then the buffer may be reused.
    const outs = got.map((chunks) => new Writable({ write: (chunk: Buffer, _e, done) => done(void chunks.push(Buffer.from(chunk))) }));
    await Promise.all(ranges.map((range, i) => files.writeRange(source, range, outs[i]!)));
    ranges.forEach((range, i) => expect(Buffer.concat(got[i]!).equals(bytes.subarray(1000 + range.start, 1000 + range.end + 1))).toBe(true));
    await files.close();
  });

  it('never reuses a buffer before its write is done, with one buffer per transfer and slow writes', async () => {
    const bytes = Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => (i * 13 + (i >> 9)) % 256));
    const path = join(dir, 'slow.tar');
    writeFileSync(path, bytes);
    const source: Source = { kind: 'tar', path, offset: 0, size: bytes.length };
    // 1 MiB for 12 transfers of 64 KiB chunks: past 8 transfers each holds one buffer, not two.
    const files = await SourceFiles.open([source], { chunk: 64 * 1024, budget: 1024 * 1024 });
    const got = Array.from({ length: 12 }, () => [] as Buffer[]);
    // The copy is taken when the write completes, some milliseconds later: a buffer lent to another
    // read before then would show up as wrong bytes here.
    const outs = got.map((chunks) => new Writable({
      write: (chunk: Buffer, _e, done) => void setTimeout(() => done(void chunks.push(Buffer.from(chunk))), 1 + (chunks.length % 3)),
    }));
    await Promise.all(outs.map((out) => files.writeRange(source, { start: 0, end: bytes.length - 1 }, out)));
    got.forEach((chunks) => expect(Buffer.concat(chunks).equals(bytes)).toBe(true));
    await files.close();
  });
});
