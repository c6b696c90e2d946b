import { mkdtempSync, writeFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const files = await SourceFiles.open([source], 1024);
    expect(await buffer(files.openRange(source))).toEqual(bytes.subarray(100, 2600));
    await files.close();
  });

  it('streams a sub-range, both ends inclusive', async () => {
    const files = await SourceFiles.open([source], 1024);
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
    const files = await SourceFiles.open([s], 1024);
    truncateSync(short, 1500);
    const error = await buffer(files.openRange(s)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShortReadError);
    // The file's real size (fstat) and what the blob needs, not just where the read stopped.
    expect(error).toMatchObject({ path: short, actual: 1500, needed: 3000 });
    await files.close();
  });
});
