// The bundled fixture (crane tarball), loaded by the real loader and pulled end to end.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { pull } from './oracle.js';
import { serve } from './serve.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const model = await loadImages([FIXTURE]);
const server = await serve(model);
afterAll(() => server.stop());

describe('fixtures/seed-image.tar', () => {
  it.each(model.images.filter((r) => r.tag !== undefined).flatMap((r) => [r.repository, ...r.aliases].map((name) => [name, r.tag!] as const)))(
    'pulls %s:%s and every blob re-hashes to its digest',
    async (name, tag) => {
      const result = await pull(server.pool, name, tag);
      expect(result.blobs.length).toBeGreaterThanOrEqual(2);
    },
  );

  it('serves at least one image', () => {
    expect(model.images.length).toBeGreaterThan(0);
  });
});
