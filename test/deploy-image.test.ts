// deploy/kubernetes names the seed's own image (npm run release's seed-registry-image-<version>.tar)
// by tag and digest, as scripts/release/pin-deploy.mjs writes it: the tag must be this package's
// version, so a version bump without a re-pin fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/kubernetes');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const manifests = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml'));

describe('deploy/kubernetes image lines', () => {
  it.each(manifests)('%s runs localhost/seed-registry:<package version>@sha256:<digest>', (file) => {
    const lines = readFileSync(join(DEPLOY, file), 'utf8').split('\n').filter((l) => /^\s*image:/.test(l));
    for (const line of lines.filter((l) => l.includes('seed-registry'))) {
      expect(line.trim()).toMatch(new RegExp(`^image: localhost/seed-registry:${VERSION.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`));
    }
    expect(lines.some((l) => l.includes('seed-registry'))).toBe(true);
  });
});
