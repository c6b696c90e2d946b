import { defineConfig } from 'vitest/config';

// Real clients (docker, containerd, skopeo, podman) pulling from the real binary.
// One file at a time: they share one dockerd and one containerd.
export default defineConfig({
  test: {
    include: ['test/clients/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Temporary folders made with test/helpers/pack.ts's tempDir go when each file ends.
    setupFiles: ['test/helpers/cleanup.ts'],
  },
});
