// Digests as the archive states them, and sha256 for the few bytes the loader synthesizes.
import { createHash } from 'node:crypto';
import { sha256Hex } from './sha256.js';

const SHA256_HEX = /^[a-f0-9]{64}$/;
/** `sha256:<hex>`, `<hex>.tar.gz`, `<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`. */
const DIGEST_IN_NAME = /(?:^|\/|sha256:)([a-f0-9]{64})(?:\.[a-z.]+)?$/;

/** Up to this size, hashed by ./sha256.ts: a manifest or config, before node:crypto is needed. */
const SMALL = 64 * 1024;

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${bytes.length <= SMALL ? sha256Hex(bytes) : createHash('sha256').update(bytes).digest('hex')}`;
}

export function isSha256Digest(s: string): boolean {
  return s.startsWith('sha256:') && SHA256_HEX.test(s.slice('sha256:'.length));
}

/** The sha256 digest an entry name states (crane layer and config names, podman layers, blob paths). */
export function digestFromEntryName(name: string): string | undefined {
  // The digest is in the name's last part, which must then be 64 characters at least: most names of
  // a docker save archive (`<id>/layer.tar`, `<id>/json`, `<id>/VERSION`) are refused here, without
  // the search (interpreted at start, it ran from every position of the name).
  if (name.length - name.lastIndexOf('/') - 1 < 64) return undefined;
  const match = DIGEST_IN_NAME.exec(name);
  return match ? `sha256:${match[1]}` : undefined;
}

/** `sha256:<hex>` → `blobs/sha256/<hex>` (OCI image layout, image-layout.md). */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}
