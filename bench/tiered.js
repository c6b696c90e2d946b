// `npm run bench -- --tiered`: 8 nodes (each its own containerd in a network namespace) pulling two
// images at once, straight from the seed, then through two distribution pull-through caches while
// they are cold, then again once they are warm: wall time and the seed's egress (its own /metrics).
// The set-up is test/clients/helpers/tiered.ts, the one tiered.test.ts proves correct; it is bundled
// here with esbuild (a dev dependency) so the benchmark and the test cannot drift apart. Needs root.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const MiB = 2 ** 20;
export const TIERED_DEFAULTS = { 'tiered-nodes': 8, 'tiered-caches': 2, 'tiered-mib': 32 };

async function loadTiered() {
  const out = join(ROOT, '.bench/tiered-helper.mjs');
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  await build({ absWorkingDir: ROOT, entryPoints: ['test/clients/helpers/tiered.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}

export async function runTieredBench(sizes) {
  const { startTiered } = await loadTiered();
  const nodes = sizes['tiered-nodes'];
  const caches = sizes['tiered-caches'];
  const t = await startTiered({ nodes, caches, layerMiB: sizes['tiered-mib'], bin: join(ROOT, 'bin/seed-registry.js') });
  try {
    const oneCopy = t.images.reduce((sum, image) => sum + image.size, 0);
    const rack = (i) => t.rackHosts[i % caches];
    const all = [...Array(nodes).keys()];
    /** One herd from fresh nodes: `steps` are groups of nodes pulling at once, one group after another. */
    const herd = async (name, hostsOf, steps = [all]) => {
      await t.forgetAll().catch(() => undefined);
      const before = await t.seedEgress();
      let seconds = 0;
      for (const which of steps) seconds += (await t.pullAll(hostsOf, which)).seconds;
      const egress = (await t.seedEgress()) - before;
      console.error(`  ${name}: ${seconds.toFixed(1)} s, seed egress ${(egress / MiB).toFixed(1)} MiB`);
      return { name, seconds, egress, copies: egress / oneCopy };
    };
    const runs = [
      await herd('straight from the seed', () => t.directHosts),
      await herd(`through ${caches} cold caches`, rack),
      await herd(`through ${caches} warm caches`, rack),
    ];
    await t.resetCaches();
    // The operator's way round distribution's cold-cache behaviour: one node per rack first, then the rest.
    runs.push(await herd(`through ${caches} cold caches, one node per rack first`, rack, [all.slice(0, caches), all.slice(caches)]));
    return { nodes, caches, oneCopy, runs };
  } finally {
    await t.stop();
  }
}

export function renderTiered(r) {
  const straight = r.runs[0];
  return [
    `Tiered pulls: ${r.nodes} nodes (one containerd each, own network namespace) pulling 2 images (${(r.oneCopy / MiB).toFixed(0)} MiB of blobs) at once over TLS:`,
    '',
    '| route | wall time | vs straight | seed egress | copies of the images |',
    '|---|---|---|---|---|',
    ...r.runs.map((run) => `| ${run.name} | ${run.seconds.toFixed(1)} s | ${(run.seconds / straight.seconds).toFixed(2)}x | ${(run.egress / MiB).toFixed(1)} MiB | ${run.copies.toFixed(2)} |`),
  ].join('\n');
}
