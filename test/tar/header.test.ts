import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/image/sha256.js';
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

  it('takes a checksum of unsigned bytes, or of signed ones (old writers), wherever the block sits in its buffer', () => {
    const unsigned = rawHeader({ name: 'caf\u00e9/\u00fcber.tar', size: 3 });
    const signed = Buffer.from(unsigned);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : signed[i]! > 127 ? signed[i]! - 256 : signed[i]!;
    signed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(signed.compare(unsigned)).not.toBe(0);
    for (const block of [unsigned, signed]) {
      // At an even and an odd byte offset of a larger buffer, as a walk's window holds it.
      for (const at of [512, 513]) {
        const window = Buffer.alloc(2048);
        block.copy(window, at);
        const held = window.subarray(at, at + 512);
        expect(decodeHeader(held).name).toBe('caf\u00e9/\u00fcber.tar');
        held[300] = held[300]! ^ 1;
        expect(() => decodeHeader(held)).toThrow(/checksum/);
      }
    }
  });

  it('checks the same after the WebAssembly memory has grown, and without WebAssembly (node --jitless)', async () => {
    const good = rawHeader({ name: 'x', size: 1 });
    const bad = Buffer.from(good);
    bad[0] = 'y'.charCodeAt(0);
    // A hash of 300 KB grows the module's memory past its first two pages.
    sha256Hex(Buffer.alloc(300_000));
    expect(decodeHeader(good).name).toBe('x');
    expect(() => decodeHeader(bad)).toThrow(/checksum/);
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const fresh = await import('../../src/tar/header.js');
      expect(fresh.decodeHeader(good).name).toBe('x');
      expect(() => fresh.decodeHeader(bad)).toThrow(/checksum/);
    } finally {
      vi.unstubAllGlobals();
    }
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
  it('reads digits with spaces around them from the bytes, and refuses what follows them as before', () => {
    expect(decodeNumber(Buffer.from('  0755  '), 0, 8)).toBe(0o755);
    expect(decodeNumber(Buffer.from('17\0garbage'), 0, 8)).toBe(0o17);
    expect(decodeNumber(Buffer.from('\0\0\0\0\0\0\0\0'), 0, 8)).toBe(0);
    expect(decodeNumber(Buffer.from('        '), 0, 8)).toBe(0);
    expect(decodeNumber(Buffer.from('0755\t\0'), 0, 8)).toBe(0o755);
    expect(() => decodeNumber(Buffer.from('0755 x\0'), 0, 8)).toThrow(/invalid numeric field "0755 x"/);
    expect(() => decodeNumber(Buffer.from('07558\0'), 0, 6)).toThrow(/invalid numeric field "07558"/);
    expect(decodeNumber(Buffer.from('77777777777\0'), 0, 12)).toBe(8 ** 11 - 1);
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
