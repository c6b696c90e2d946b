import { describe, expect, it } from 'vitest';
import { layerMediaType, sniffCompression } from '../../src/image/media.js';
import { synthesizeManifest } from '../../src/image/synthesize.js';

const CONFIG = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 380 };
const LAYER = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 1051311 };

// Golden bytes and digest: the digest was computed once with `printf '%s' "$GOLDEN" | sha256sum`.
// Any change here changes every synthesized digest clients may have pinned.
const GOLDEN =
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
  `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${'c'.repeat(64)}","size":380},` +
  `"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:${'1'.repeat(64)}","size":1051311}]}`;
const GOLDEN_DIGEST = 'sha256:95ec2ed720bf6cf52e3027118d64261b2130cfb473070a0e20d4b23406ecad04';

describe('synthesizeManifest', () => {
  it('writes the golden bytes and digest', () => {
    const m = synthesizeManifest(CONFIG, [LAYER], { os: 'linux', architecture: 'amd64' });
    expect(m.bytes.toString()).toBe(GOLDEN);
    expect(m.digest).toBe(GOLDEN_DIGEST);
    expect(m).toMatchObject({ mediaType: 'application/vnd.oci.image.manifest.v1+json', origin: 'synthesized', platform: { os: 'linux', architecture: 'amd64' } });
  });

  it('keeps the fixed key order whatever order the descriptors come in', () => {
    const shuffled = { size: LAYER.size, digest: LAYER.digest, mediaType: LAYER.mediaType };
    expect(synthesizeManifest(CONFIG, [shuffled]).digest).toBe(GOLDEN_DIGEST);
  });
});

describe('layer media types follow the bytes', () => {
  it.each([
    [[0x1f, 0x8b, 8, 0], 'gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
    [[0x62, 0x69, 0x6e, 0x2f], 'none', 'application/vnd.oci.image.layer.v1.tar'],
    [[], 'none', 'application/vnd.oci.image.layer.v1.tar'],
  ])('%j → %s', (bytes, compression, mediaType) => {
    expect(sniffCompression(Buffer.from(bytes))).toBe(compression);
    expect(layerMediaType(Buffer.from(bytes))).toBe(mediaType);
  });
});
