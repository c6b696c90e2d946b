import { describe, expect, it } from 'vitest';
import { HeaderError, decodeHeader, decodeLongName, decodeNumber, decodePax } from '../../src/tar/header.js';
import { rawHeader } from './raw.js';

describe('decodeHeader', () => {
  it('reads name, size, type and link of a ustar header', () => {
    const h = decodeHeader(rawHeader({ name: 'blobs/sha256/abc', size: 1234 }));
    expect(h).toEqual({ name: 'blobs/sha256/abc', type: 'file', size: 1234, linkname: '' });
  });

  it.each([
    ['0', 'file'],
    ['7', 'file'],
    ['1', 'hardlink'],
    ['2', 'symlink'],
    ['5', 'directory'],
    ['x', 'pax'],
    ['g', 'pax-global'],
    ['L', 'gnu-longname'],
    ['K', 'gnu-longlink'],
    ['3', 'other'],
  ])('type flag %s is %s', (flag, type) => {
    expect(decodeHeader(rawHeader({ name: 'x', type: flag })).type).toBe(type);
  });

  it('joins the ustar prefix and name', () => {
    const block = rawHeader({ name: 'layer.tar' });
    block.write('a'.repeat(120), 345, 'utf8');
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of block) sum += b;
    block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(decodeHeader(block).name).toBe(`${'a'.repeat(120)}/layer.tar`);
  });

  it('treats a v7 name ending in a slash as a directory', () => {
    expect(decodeHeader(rawHeader({ name: 'dir/' })).type).toBe('directory');
  });

  it('reads base-256 sizes beyond 8 GiB', () => {
    const size = 9 * 1024 ** 3 + 7;
    expect(decodeHeader(rawHeader({ name: 'big', size, base256: true })).size).toBe(size);
  });

  it('rejects a wrong checksum', () => {
    const block = rawHeader({ name: 'x', size: 1 });
    block[0] = 'y'.charCodeAt(0);
    expect(() => decodeHeader(block)).toThrow(HeaderError);
  });

  it('rejects bytes that are not a header', () => {
    expect(() => decodeHeader(Buffer.alloc(512, 0x41))).toThrow(HeaderError);
  });
});

describe('decodeNumber', () => {
  it('reads octal with trailing NUL or space', () => {
    const b = Buffer.from('0000755 \0');
    expect(decodeNumber(b, 0, 8)).toBe(0o755);
  });
  it('rejects non-octal text', () => {
    expect(() => decodeNumber(Buffer.from('00009x0\0'), 0, 8)).toThrow(HeaderError);
  });
});

describe('decodePax', () => {
  it('reads records, UTF-8 and values with = and newlines counted by length', () => {
    const record = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(body) + 1;
      if (String(len).length + Buffer.byteLength(body) !== len) len += 1;
      return `${len}${body}`;
    };
    const data = Buffer.from(record('path', 'ré/a=b') + record('size', '10737418240'));
    expect(decodePax(data)).toEqual({ path: 'ré/a=b', size: '10737418240' });
  });
  it('rejects a record whose length runs past the data', () => {
    expect(() => decodePax(Buffer.from('99 path=x\n'))).toThrow(HeaderError);
  });
});

describe('decodeLongName', () => {
  it('stops at the first NUL', () => {
    expect(decodeLongName(Buffer.from('a/long/name\0\0\0'))).toBe('a/long/name');
  });
});
