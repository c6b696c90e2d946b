// Incompressible, reproducible bytes: AES-256-CTR keystream from a seeded key, so the same seed
// gives the same layers and digests on every run, at memory speed rather than PRNG speed.
import { createCipheriv, createHash } from 'node:crypto';

export const CHUNK = 8 * 1024 * 1024;

/** Yields `size` bytes of keystream for `seed`, in chunks of at most 8 MiB. */
export function* keystream(seed, size) {
  const key = createHash('sha256').update(`seed-registry bench ${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) {
    const n = Math.min(CHUNK, left);
    yield cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
  }
}

export function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
