// The seed's WebAssembly module, written out with its opcodes (the WebAssembly core specification,
// §5 binary format: §5.2.2 LEB128 numbers, §5.4 instructions, §5.5 sections): the byte loops a
// start runs before listening, SHA-256's compression (../image/sha256.ts) and the tar header's
// checksum (../tar/header.ts). In JavaScript they run in V8's interpreter at start (a start's
// bytecode comes from the code cache, unoptimized), where they cost more than everything else the
// load does (docs/release.md, Start-up). Not loaded at run time: building these bytes in the
// interpreter would cost a start more than it saves, so ./engine.ts holds them as base64, and
// test/wasm/engine.test.ts checks that the two are the same (when they differ, its failure prints
// the new base64).
import { H_AT, K_AT, W_AT } from './memory.js';

// The opcodes used (core specification §5.4), and LEB128 numbers (§5.2.2).
const I32_CONST = 0x41, I32_LOAD = 0x28, I32_LOAD8_U = 0x2d, I32_STORE = 0x36, LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_AND = 0x71, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76, I32_ROTL = 0x77, I32_ROTR = 0x78, I32_OR = 0x72, I32_LT_U = 0x49, I32_GE_U = 0x4f;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40, I32 = 0x7f;

function leb(n: number, signed: boolean): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n = signed ? n >> 7 : n >>> 7;
    const done = signed ? (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0) : n === 0;
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

// compress(from, to): every 64-byte block of [from, to) into the SHA-256 hash at H_AT (FIPS 180-4,
// §6.2.2). Locals: 0 from, 1 to, 2-9 the working variables a-h, 10 t, 11 t1, 12 x.
const [FROM, TO, A, B, C, D, E, F, G, H, T, T1, X] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const get = (l: number) => [LOCAL_GET, l];
const set = (l: number) => [LOCAL_SET, l];
const int = (n: number) => [I32_CONST, ...leb(n, true)];
const load = (offset: number) => [I32_LOAD, 2, ...leb(offset, false)];
const store = (offset: number) => [I32_STORE, 2, ...leb(offset, false)];
/** W[t + delta] (t counts words: 4t is the byte offset). */
const w = (delta: number) => [...get(T), ...int(2), I32_SHL, ...load(W_AT + 4 * delta)];
const rotr = (l: number, n: number) => [...get(l), ...int(n), I32_ROTR];
/** Σ and σ (§4.1.2): three rotations (or two and a shift) of local `l`, xored. */
const sigma = (l: number, r1: number, r2: number, third: number[]) => [...rotr(l, r1), ...rotr(l, r2), I32_XOR, ...third, I32_XOR];
/** A loop over t from its value to `end`: body, t += 1, again while t < end. */
const loop = (end: number, body: number[]) => [LOOP, VOID, ...body, ...get(T), ...int(1), I32_ADD, LOCAL_TEE, T, ...int(end), I32_LT_U, BR_IF, 0, END];

const COMPRESS = [
  BLOCK, VOID, LOOP, VOID,
  ...get(FROM), ...get(TO), I32_GE_U, BR_IF, 1,
  // §6.2.2 step 1: W[0..16) are the block's words, big-endian (a byte swap of the little-endian load).
  ...int(0), ...set(T),
  ...loop(16, [
    ...get(T), ...int(2), I32_SHL,
    ...get(FROM), ...get(T), ...int(2), I32_SHL, I32_ADD, ...load(0), LOCAL_TEE, X,
    ...int(8), I32_ROTL, ...int(0x00ff00ff), I32_AND, ...get(X), ...int(8), I32_ROTR, ...int(0xff00ff00 | 0), I32_AND, I32_OR,
    ...store(W_AT),
  ]),
  // W[16..64): σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
  ...loop(64, [
    ...get(T), ...int(2), I32_SHL,
    ...w(-2), ...set(X), ...sigma(X, 17, 19, [...get(X), ...int(10), I32_SHR_U]),
    ...w(-7), I32_ADD,
    ...w(-15), ...set(X), ...sigma(X, 7, 18, [...get(X), ...int(3), I32_SHR_U]), I32_ADD,
    ...w(-16), I32_ADD,
    ...store(W_AT),
  ]),
  // Steps 2-3: a..h from the hash, then 64 rounds.
  ...[A, B, C, D, E, F, G, H].flatMap((l, i) => [...int(0), ...load(H_AT + 4 * i), ...set(l)]),
  ...int(0), ...set(T),
  ...loop(64, [
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
    ...get(H), ...sigma(E, 6, 11, rotr(E, 25)), I32_ADD,
    ...get(E), ...get(F), I32_AND, ...get(E), ...int(-1), I32_XOR, ...get(G), I32_AND, I32_XOR, I32_ADD,
    ...get(T), ...int(2), I32_SHL, ...load(K_AT), I32_ADD,
    ...w(0), I32_ADD, ...set(T1),
    ...get(G), ...set(H), ...get(F), ...set(G), ...get(E), ...set(F),
    ...get(D), ...get(T1), I32_ADD, ...set(E),
    ...get(C), ...set(D), ...get(B), ...set(C), ...get(A), ...set(B),
    // a = T1 + Σ0(a) + Maj(a, b, c), with b, c the old a, b: now in b, c, d.
    ...get(T1), ...sigma(B, 2, 13, rotr(B, 22)), I32_ADD,
    ...get(B), ...get(C), I32_AND, ...get(B), ...get(D), I32_AND, I32_XOR, ...get(C), ...get(D), I32_AND, I32_XOR, I32_ADD,
    ...set(A),
  ]),
  // Step 4: the hash plus a..h; then the next block.
  ...[A, B, C, D, E, F, G, H].flatMap((l, i) => [...int(0), ...int(0), ...load(H_AT + 4 * i), ...get(l), I32_ADD, ...store(H_AT + 4 * i)]),
  ...get(FROM), ...int(64), I32_ADD, ...set(FROM),
  BR, 0, END, END, END,
];

// tarsum(at): the checksum of the 512-byte tar header at `at`, its bytes summed unsigned with the
// checksum field (148-155) counted as eight spaces (POSIX ustar, "chksum"). Locals: 0 at, 1 i, 2 sum.
const [AT, I, SUM] = [0, 1, 2];
const sumBytes = (from: number, to: number, op: number) => [
  ...int(from), ...set(I),
  LOOP, VOID, ...get(SUM), ...get(AT), ...get(I), I32_ADD, I32_LOAD8_U, 0, 0, op, ...set(SUM), ...get(I), ...int(1), I32_ADD, LOCAL_TEE, I, ...int(to), I32_LT_U, BR_IF, 0, END,
];
const TARSUM = [...sumBytes(0, 512, I32_ADD), ...sumBytes(148, 156, I32_SUB), ...get(SUM), ...int(8 * 0x20), I32_ADD, END];

const section = (id: number, content: number[]) => [id, ...leb(content.length, false), ...content];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const code = (locals: number, instructions: number[]) => {
  const body = [1, locals, I32, ...instructions]; // one run of `locals` i32 locals
  return [...leb(body.length, false), ...body];
};

/** The module: memory (laid out in ./memory.ts), compress and tarsum. */
export const wasmModule = (): Uint8Array => new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, 0x60, 2, I32, I32, 0, 0x60, 1, I32, 1, I32]), // type 0: (i32, i32) -> (); type 1: (i32) -> i32
  ...section(3, [2, 0, 1]), // function 0 has type 0, function 1 type 1
  ...section(5, [1, 0, 2]), // one memory, 2 pages to start
  ...section(7, [3, ...name('memory'), 0x02, 0, ...name('compress'), 0x00, 0, ...name('tarsum'), 0x00, 1]),
  ...section(10, [2, ...code(11, COMPRESS), ...code(2, TARSUM)]),
]);
