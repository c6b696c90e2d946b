// The seed's WebAssembly module: the bytes src/wasm/engine.ts holds are the ones src/wasm/module.ts
// writes, and its two functions against their definitions (SHA-256 itself: test/image/sha256.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmEngine } from '../../src/wasm/engine.js';
import { HEADER_AT } from '../../src/wasm/memory.js';
import { wasmModule } from '../../src/wasm/module.js';

describe('the WebAssembly module', () => {
  it('is the one src/wasm/module.ts writes', () => {
    const held = /const MODULE = '([A-Za-z0-9+/=]+)';/.exec(readFileSync(new URL('../../src/wasm/engine.ts', import.meta.url), 'utf8'))?.[1];
    expect(held, 'src/wasm/engine.ts MODULE').toBe(Buffer.from(wasmModule()).toString('base64'));
  });

  it('tarsum adds a header\'s 512 bytes as unsigned numbers, its checksum field as eight spaces', () => {
    const engine = wasmEngine()!;
    const header = new Uint8Array(engine.memory.buffer, HEADER_AT, 512);
    for (const fill of [0, 0x41, 0xff]) {
      header.fill(fill);
      expect(engine.tarsum(HEADER_AT)).toBe(504 * fill + 8 * 0x20);
    }
    for (let i = 0; i < 512; i++) header[i] = (i * 7) & 0xff;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    expect(engine.tarsum(HEADER_AT)).toBe(sum);
  });
});
