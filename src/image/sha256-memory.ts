// The memory of ./sha256.ts's WebAssembly module (./sha256-module.ts), byte offsets: the round
// constants K, the hash, the message schedule W, then the padded message.
export const K_AT = 0;
export const H_AT = 256;
export const W_AT = 512;
export const MESSAGE_AT = 1024;
