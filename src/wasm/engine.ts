// The seed's WebAssembly module (./module.ts writes it), compiled and instantiated once, on first
// use: 0.7 M instructions (callgrind, Node 26), against several million for the same loops in V8's
// interpreter at start. Undefined where WebAssembly is off (node --jitless): callers then do the
// work in JavaScript or with node:crypto.

/** The WebAssembly JavaScript API, as far as used here (@types/node 20 does not declare it). */
declare const WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } } | undefined;

export interface Engine {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  /** SHA-256's compression of every 64-byte block of [from, to) into the hash (./memory.ts H_AT). */
  compress(from: number, to: number): void;
  /** The tar checksum of the 512-byte header at `at`: its bytes summed, the checksum field as spaces. */
  tarsum(at: number): number;
}

let engine: Engine | null | undefined;

export function wasmEngine(): Engine | undefined {
  if (engine === undefined) engine = typeof WebAssembly === 'object' ? (new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(MODULE, 'base64'))).exports as Engine) : null;
  return engine ?? undefined;
}

/** The module ./module.ts writes, as base64 (test/wasm/engine.test.ts checks it is the same). */
const MODULE = 'AGFzbQEAAAABCwJgAn9/AGABfwF/AwMCAAEFAwEAAgceAwZtZW1vcnkCAAhjb21wcmVzcwAABnRhcnN1bQABCvQFAtEEAQt/AkADQCAAIAFPDQFBACEKA0AgCkECdCAAIApBAnRqKAIAIgxBGHQgDEEIdEGAgPwHcXIgDEEIdkGA/gNxciAMQRh2cjYCgAQgCkEBaiIKQRBJDQALA0AgCkECdCAKQQJ0KAL4AyEMIAxBEXYgDEEPdHIgDEETdiAMQQ10cnMgDEEKdnMgCkECdCgC5ANqIApBAnQoAsQDIQwgDEEHdiAMQRl0ciAMQRJ2IAxBDnRycyAMQQN2c2ogCkECdCgCwANqNgKABCAKQQFqIgpBwABJDQALQQAoAoACIQJBACgChAIhA0EAKAKIAiEEQQAoAowCIQVBACgCkAIhBkEAKAKUAiEHQQAoApgCIQhBACgCnAIhCUEAIQoDQCAJIAZBBnYgBkEadHIgBkELdiAGQRV0cnMgBkEZdiAGQQd0cnNqIAYgB3EgBkF/cyAIcXNqIApBAnQoAgBqIApBAnQoAoAEaiELIAghCSAHIQggBiEHIAUgC2ohBiAEIQUgAyEEIAIhAyALIANBAnYgA0EedHIgA0ENdiADQRN0cnMgA0EWdiADQQp0cnNqIAMgBHEgAyAFcXMgBCAFcXNqIQIgCkEBaiIKQcAASQ0AC0EAQQAoAoACIAJqNgKAAkEAQQAoAoQCIANqNgKEAkEAQQAoAogCIARqNgKIAkEAQQAoAowCIAVqNgKMAkEAQQAoApACIAZqNgKQAkEAQQAoApQCIAdqNgKUAkEAQQAoApgCIAhqNgKYAkEAQQAoApwCIAlqNgKcAiAAQcAAaiEADAALCwueAQICfwJ+QQAhAQNAIAAgAWopAAAiBEL/gfyH8J/A/wCDIARCCIhC/4H8h/CfwP8Ag3wgA3whAyABQQhqIgFBgARJDQALIANCAIhC//8Dg6cgA0IQiEL//wODp2ogA0IgiEL//wODp2ogA0IwiEL//wODp2ohAkGUASEBA0AgAiAAIAFqLQAAayECIAFBAWoiAUGcAUkNAAsgAkGAAmoL';
