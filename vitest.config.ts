import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // The constants scripts/bundle.mjs bakes into the bundle, for tests that import src/cli.ts.
  define: { SEED_REGISTRY_VERSION: JSON.stringify(version), SEED_REGISTRY_COMMIT: JSON.stringify('test'), SEED_REGISTRY_HAS_FIXTURE: 'true', SEED_REGISTRY_BUILT_AT: JSON.stringify('2026-01-01T00:00:00.000Z') },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/clients/**', 'node_modules/**'],
    testTimeout: 30_000,
    // Temporary folders made with test/helpers/pack.ts's tempDir go when each file ends.
    setupFiles: ['test/helpers/cleanup.ts'],
  },
});
