// What the /metrics stage adds to each request, measured in isolation: the stages from src/ (bundled
// here with esbuild) around a handler that answers at once, a million calls with and without the
// metrics stage. Unlike req/s on a shared, loaded machine this hardly moves with other load; set
// against the server's CPU per manifest GET it gives the stage's share of a request.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CALLS = 1_000_000;
const WARMUP = 200_000;

const ENTRY = `
export { metricsStage } from ${JSON.stringify(join(ROOT, 'src/registry/metrics.ts'))};
export { healthStage } from ${JSON.stringify(join(ROOT, 'src/registry/health.ts'))};
export { around } from ${JSON.stringify(join(ROOT, 'src/registry/stages.ts'))};
`;

async function loadStages(dir) {
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, ENTRY);
  const outfile = join(dir, 'stages.mjs');
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" } });
  return import(pathToFileURL(outfile).href);
}

async function perCall(handler) {
  const req = { url: '/v2/library/busybox/manifests/seed', method: 'GET', headers: {} };
  const res = { statusCode: 200 };
  for (let i = 0; i < WARMUP; i++) await handler(req, res);
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await handler(req, res);
  return ((performance.now() - t0) * 1000) / CALLS;
}

/** µs per request: health stage only (as with --no-metrics) and metrics + health; medians of `runs`. */
export async function measureStageCost(runs = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'sr-stage-cost-'));
  try {
    const { around, healthStage, metricsStage } = await loadStages(dir);
    const answer = async () => 100;
    const ready = () => [];
    const seed = () => ({ images: 1, reloads: { ok: 0, failed: 0 } });
    const off = [];
    const on = [];
    for (let i = 0; i < runs; i++) {
      off.push(await perCall(around(answer, [healthStage(ready)])));
      on.push(await perCall(around(answer, [metricsStage(seed), healthStage(ready)])));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { offUs: median(off), onUs: median(on), addedUs: median(on.map((v, i) => v - off[i])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
