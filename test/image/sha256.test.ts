import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { digestFromEntryName, sha256Digest } from '../../src/image/digest.js';
import { sha256Hex } from '../../src/image/sha256.js';

const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 example digests', () => {
    // NIST's "SHA-256 examples" (one block, two blocks) and the empty input.
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with node:crypto at every length around the block and padding edges', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = randomBytes(length);
      expect(sha256Hex(bytes), `length ${length}`).toBe(nodeHex(bytes));
    }
  });

  it('agrees with node:crypto on larger inputs and on a Buffer slice of a larger pool', () => {
    for (const length of [1000, 4095, 4096, 65_535, 65_536, 300_000]) {
      const bytes = randomBytes(length);
      expect(sha256Hex(bytes), `length ${length}`).toBe(nodeHex(bytes));
    }
    const pool = randomBytes(4096);
    const slice = pool.subarray(100, 1100);
    expect(sha256Hex(slice)).toBe(nodeHex(slice));
  });
});

describe('without WebAssembly', () => {
  it('node:crypto hashes instead (node --jitless)', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const fresh = await import('../../src/image/sha256.js');
      for (const bytes of [Buffer.from('abc'), randomBytes(1000)]) expect(fresh.sha256Hex(bytes)).toBe(nodeHex(bytes));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('sha256Digest', () => {
  it('is the same digest whichever way it hashes (small by the WebAssembly module, large by node:crypto)', () => {
    for (const length of [10, 64 * 1024, 64 * 1024 + 1, 200_000]) {
      const bytes = randomBytes(length);
      expect(sha256Digest(bytes)).toBe(`sha256:${nodeHex(bytes)}`);
    }
  });
});

describe('digestFromEntryName', () => {
  const hex = 'a'.repeat(63) + 'b';
  it.each([
    [`${hex}`, `sha256:${hex}`],
    [`${hex}.json`, `sha256:${hex}`],
    [`${hex}.tar.gz`, `sha256:${hex}`],
    [`blobs/sha256/${hex}`, `sha256:${hex}`],
    [`x/sha256:${hex}`, `sha256:${hex}`],
    [`${hex}/layer.tar`, undefined],
    [`${hex}/json`, undefined],
    [`blobs/sha256/${hex.slice(1)}`, undefined],
    [`x${hex}`, undefined],
    [`${hex}x`, undefined],
    ['manifest.json', undefined],
  ])('%s: %s', (name, digest) => expect(digestFromEntryName(name)).toBe(digest));
});
