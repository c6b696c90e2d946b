// Bundles the command line and its dependencies into one file, dist/seed-registry.js.
// Start-up is on a cluster's critical path: loading ~40 ES modules one by one cost about 70 ms of a
// ~250 ms start on this project's 2-core machines; one bundled file loads in a fraction of that
// (docs/benchmarks.md). tsc still type-checks everything (npm run build).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/seed-registry.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // commander is CommonJS; inside an ES module bundle its require() calls need a real require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
