// SHA-256 (FIPS 180-4) for the small documents the loader hashes before the seed listens (a docker
// save archive's synthesized manifest, a config named without its digest). Loading node:crypto
// costs start-up more than hashing a few KiB here: on Node 26 it compiles about 20 internal modules
// (argon2, keys, webcrypto glue), about 15 million instructions of a start (docs/release.md).
// Larger inputs, and everything after start, use node:crypto (./digest.ts).
//
// The compression function (§6.2.2) is the seed's WebAssembly module's (../wasm/module.ts). The
// same loop in JavaScript ran in V8's interpreter at start, where every 32-bit sum outside the
// 31-bit small integers is a new heap number: 14 blocks (a 4-layer manifest) counted 6.8 M
// instructions, against 0.35 M (callgrind, Node 26). Where WebAssembly is off (node --jitless),
// node:crypto hashes instead.
import { createHash } from 'node:crypto';
import { type Engine, wasmEngine } from '../wasm/engine.js';
import { H_AT, K_AT, MESSAGE_AT } from '../wasm/memory.js';

/** §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** §5.3.3: the initial hash value. */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const PAGE = 65536;

/** The SHA-256 of `bytes`, as 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  const engine = withConstants();
  if (engine === undefined) return createHash('sha256').update(bytes).digest('hex');
  // §5.1.1 padding: a 1 bit, zeros, and the length in bits as a 64-bit big-endian number.
  const length = Math.ceil((bytes.length + 9) / 64) * 64;
  const { memory } = engine;
  const short = MESSAGE_AT + length - memory.buffer.byteLength;
  if (short > 0) memory.grow(Math.ceil(short / PAGE));
  const message = new Uint8Array(memory.buffer, MESSAGE_AT, length);
  message.set(bytes);
  message.fill(0, bytes.length);
  message[bytes.length] = 0x80;
  const view = new DataView(memory.buffer);
  view.setUint32(MESSAGE_AT + length - 8, Math.floor(bytes.length / 0x20000000));
  view.setUint32(MESSAGE_AT + length - 4, (bytes.length * 8) >>> 0);
  const h = new Uint32Array(memory.buffer, H_AT, 8);
  h.set(H0);
  engine.compress(MESSAGE_AT, MESSAGE_AT + length);
  let hex = '';
  for (const word of h) hex += word.toString(16).padStart(8, '0');
  return hex;
}

let constants = false;

/** The engine with K in its memory. */
function withConstants(): Engine | undefined {
  const engine = wasmEngine();
  if (engine !== undefined && !constants) {
    new Uint32Array(engine.memory.buffer, K_AT, 64).set(K);
    constants = true;
  }
  return engine;
}
