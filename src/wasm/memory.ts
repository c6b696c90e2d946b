// The memory of the seed's WebAssembly module (./module.ts), byte offsets: SHA-256's round
// constants K, its hash and its message schedule W; a tar header; then a padded message to hash,
// up to the memory's end (../image/sha256.ts grows it for a longer one).
export const K_AT = 0;
export const H_AT = 256;
export const W_AT = 512;
export const HEADER_AT = 1024;
export const MESSAGE_AT = 2048;
