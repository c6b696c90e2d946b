// Bundles the command line and its dependencies into one file, dist/seed-registry.js.
// Start-up is on a cluster's critical path: loading ~40 ES modules one by one cost about 70 ms of a
// ~250 ms start on this project's 2-core machines; one bundled file loads in a fraction of that
// (docs/benchmarks.md). tsc still type-checks everything (npm run build).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a content hash: clear the old ones.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: { 'seed-registry': 'src/cli.ts' },
  outdir: 'dist',
  // Code loaded only for some options (X.509 for TLS, bcrypt for --htpasswd, prom-client after the
  // listening line) goes into chunks the start never parses.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // commander is CommonJS; inside an ES module bundle its require() calls need a real require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
