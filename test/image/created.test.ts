// The newest image's creation time, read from the served configs.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createdOf, newestCreated } from '../../src/image/created.js';
import { loadImages } from '../../src/image/load.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));

describe('createdOf', () => {
  it.each([
    ['{"created":"2024-05-01T10:00:00.123456789Z"}', '2024-05-01T10:00:00.123Z'],
    ['{"created":"not a date"}', undefined],
    ['{"architecture":"amd64"}', undefined],
    ['[]', undefined],
    ['not json', undefined],
  ])('%s', (json, expected) => expect(createdOf(Buffer.from(json))?.toISOString()).toBe(expected));
});

describe('newestCreated', () => {
  it("reads the fixture's config from the tar", async () => {
    const model = await loadImages([FIXTURE]);
    const newest = await newestCreated(model);
    const config = [...model.blobs.keys()].find((d) => d === newest?.config);
    expect(config).toBeDefined();
    expect(newest!.date.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});
