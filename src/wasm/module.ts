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
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_AND = 0x71, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76, I32_OR = 0x72, I32_LT_U = 0x49, I32_GE_U = 0x4f;
const I64_CONST = 0x42, I64_LOAD = 0x29, I64_AND = 0x83, I64_SHR_U = 0x88, I64_ADD = 0x7c, I32_WRAP_I64 = 0xa7, I64 = 0x7e;
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
/**
 * Rotation right by `n` as two shifts and an or. V8's baseline compiler (Liftoff), which runs the
 * module at start, makes i32.rotr and i32.rotl a call to a C function (callgrind, Node 26:
 * wasm::word32_ror_wrapper and word32_rol_wrapper, 608 calls a 64-byte block); a shift by a
 * constant is one machine instruction there. A 48 KB message: 16.2 → 7.1 M instructions.
 */
const rotr = (l: number, n: number) => [...get(l), ...int(n), I32_SHR_U, ...get(l), ...int(32 - n), I32_SHL, I32_OR];
/** Σ and σ (§4.1.2): three rotations (or two and a shift) of local `l`, xored. */
const sigma = (l: number, r1: number, r2: number, third: number[]) => [...rotr(l, r1), ...rotr(l, r2), I32_XOR, ...third, I32_XOR];
/** A loop over t from its value to `end`: body, t += 1, again while t < end. */
const loop = (end: number, body: number[]) => [LOOP, VOID, ...body, ...get(T), ...int(1), I32_ADD, LOCAL_TEE, T, ...int(end), I32_LT_U, BR_IF, 0, END];

const COMPRESS = [
  BLOCK, VOID, LOOP, VOID,
  ...get(FROM), ...get(TO), I32_GE_U, BR_IF, 1,
  // §6.2.2 step 1: W[0..16) are the block's words, big-endian (a byte swap of the little-endian load,
  // in shifts: see rotr).
  ...int(0), ...set(T),
  ...loop(16, [
    ...get(T), ...int(2), I32_SHL,
    ...get(FROM), ...get(T), ...int(2), I32_SHL, I32_ADD, ...load(0), LOCAL_TEE, X,
    ...int(24), I32_SHL, ...get(X), ...int(8), I32_SHL, ...int(0x00ff0000), I32_AND, I32_OR,
    ...get(X), ...int(8), I32_SHR_U, ...int(0x0000ff00), I32_AND, I32_OR, ...get(X), ...int(24), I32_SHR_U, I32_OR,
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
// checksum field (148-155) counted as eight spaces (POSIX ustar, "chksum"). Eight bytes at a time:
// each 64-bit word's bytes split into two sets of four 16-bit lanes (even bytes, odd bytes), added
// into four lanes of a running sum (64 words of at most 2 x 255 a lane: under 65536), folded at the
// end. A byte at a time, V8's baseline compiler (Liftoff) ran 7,300 instructions a header.
// Locals: 0 at, 1 i, 2 sum (i32); 3 lanes, 4 word (i64).
const [AT, I, SUM, LANES, WORD] = [0, 1, 2, 3, 4];
/** i64.const `n` (signed LEB128 of a 64-bit number: BigInt, as this file runs only to build). */
const long = (n: bigint) => {
  const out = [I64_CONST];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};
const EVEN_BYTES = long(0x00ff00ff00ff00ffn);
const lane = (shift: bigint) => [...get(LANES), ...long(shift), I64_SHR_U, ...long(0xffffn), I64_AND, I32_WRAP_I64];
const TARSUM = [
  ...int(0), ...set(I),
  LOOP, VOID,
  ...get(AT), ...get(I), I32_ADD, I64_LOAD, 0, 0, LOCAL_TEE, WORD, ...EVEN_BYTES, I64_AND,
  ...get(WORD), ...long(8n), I64_SHR_U, ...EVEN_BYTES, I64_AND, I64_ADD,
  ...get(LANES), I64_ADD, ...set(LANES),
  ...get(I), ...int(8), I32_ADD, LOCAL_TEE, I, ...int(512), I32_LT_U, BR_IF, 0, END,
  ...lane(0n), ...lane(16n), I32_ADD, ...lane(32n), I32_ADD, ...lane(48n), I32_ADD, ...set(SUM),
  // Less the checksum field's own bytes, plus eight spaces.
  ...int(148), ...set(I),
  LOOP, VOID, ...get(SUM), ...get(AT), ...get(I), I32_ADD, I32_LOAD8_U, 0, 0, I32_SUB, ...set(SUM), ...get(I), ...int(1), I32_ADD, LOCAL_TEE, I, ...int(156), I32_LT_U, BR_IF, 0, END,
  ...get(SUM), ...int(8 * 0x20), I32_ADD, END,
];

const section = (id: number, content: number[]) => [id, ...leb(content.length, false), ...content];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
/** A function's body: its locals, as runs of [count, type], then its instructions. */
const code = (locals: [number, number][], instructions: number[]) => {
  const body = [locals.length, ...locals.flat(), ...instructions];
  return [...leb(body.length, false), ...body];
};

/** The module: memory (laid out in ./memory.ts), compress and tarsum. */
export const wasmModule = (): Uint8Array => new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, 0x60, 2, I32, I32, 0, 0x60, 1, I32, 1, I32]), // type 0: (i32, i32) -> (); type 1: (i32) -> i32
  ...section(3, [2, 0, 1]), // function 0 has type 0, function 1 type 1
  ...section(5, [1, 0, 2]), // one memory, 2 pages to start
  ...section(7, [3, ...name('memory'), 0x02, 0, ...name('compress'), 0x00, 0, ...name('tarsum'), 0x00, 1]),
  ...section(10, [2, ...code([[11, I32]], COMPRESS), ...code([[2, I32], [2, I64]], TARSUM)]),
]);
