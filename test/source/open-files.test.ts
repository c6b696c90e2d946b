// Whole-file sources: descriptors opened on demand, idle ones closed past the bound, and the
// same read contract (openRange, writeRange) as tar sources.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import type { Source } from '../../src/model.js';
import { SourceFiles } from '../../src/source/files.js';
import { OpenFiles } from '../../src/source/open-files.js';

const dir = mkdtempSync(join(tmpdir(), 'sr-open-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = Array.from({ length: 6 }, (_, i) => {
  const path = join(dir, `blob-${i}`);
  writeFileSync(path, Buffer.alloc(4096, i + 1));
  return path;
});

async function readFirst(reader: ReturnType<OpenFiles['reader']>): Promise<number> {
  const { buffer: b } = await reader.read(Buffer.alloc(1), 0, 1, 0);
  return b[0]!;
}

describe('OpenFiles', () => {
  it('opens on demand and keeps at most the bound open once reads settle', async () => {
    const open = new OpenFiles(2);
    expect(open.size).toBe(0);
    for (const [i, path] of files.entries()) {
      expect(await readFirst(open.reader(path))).toBe(i + 1);
      expect(open.size).toBeLessThanOrEqual(2);
    }
    await open.close();
    expect(open.size).toBe(0);
  });

  it('never closes a descriptor with a read in flight: concurrent reads past the bound all succeed', async () => {
    const open = new OpenFiles(2);
    const values = await Promise.all(files.flatMap((path) => [readFirst(open.reader(path)), readFirst(open.reader(path))]));
    expect(values).toEqual(files.flatMap((_, i) => [i + 1, i + 1]));
    expect(open.size).toBeLessThanOrEqual(2);
    await open.close();
  });

  it('a file that cannot be opened fails its read and is not kept', async () => {
    const open = new OpenFiles(2);
    await expect(readFirst(open.reader(join(dir, 'absent')))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(open.size).toBe(0);
  });
});

describe('SourceFiles with whole-file sources', () => {
  const source: Source = { kind: 'file', path: files[2]!, offset: 0, size: 4096 };

  it('streams a range through openRange', async () => {
    const sources = await SourceFiles.open([source], { chunk: 1000 });
    expect(await buffer(sources.openRange(source, { start: 10, end: 2999 }))).toEqual(Buffer.alloc(2990, 3));
    await sources.close();
  });

  it('writes a range through writeRange', async () => {
    const sources = await SourceFiles.open([source], { chunk: 1000 });
    const out = new PassThrough();
    const collected = buffer(out);
    await sources.writeRange(source, { start: 0, end: 4095 }, out);
    out.end();
    expect(await collected).toEqual(Buffer.alloc(4096, 3));
    await sources.close();
  });
});
