// `npm run bench -- --push-only`: `seed-registry push` of a large docker-save archive into a fresh
// distribution, against `skopeo copy docker-archive:… docker://…` of the same archive into another
// fresh distribution, alternating, in the same run. skopeo by default gzips the uncompressed layers
// on the way (new digests); `--preserve-digests` keeps them as they are, like seed-registry does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execFileAsync, freePort, start, stop } from './proc.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const TIMEOUT_MS = 30 * 60_000;

function config(storage, port) {
  return ['version: 0.1', 'log: { level: error, accesslog: { disabled: true } }', `storage: { filesystem: { rootdirectory: ${storage} } }`, `http: { addr: 127.0.0.1:${port} }`, ''].join('\n');
}

async function freshDistribution(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'config.yml'), config(join(dir, 'storage'), port));
  const proc = start('docker-registry', ['serve', join(dir, 'config.yml')], { name: 'distribution' });
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 200) break;
    } catch { /* not yet */ }
    if (performance.now() > deadline || proc.exited) throw new Error(`distribution did not start:\n${proc.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, host: `127.0.0.1:${port}` };
}

const TOOLS = {
  'seed-registry push': (image, host) => [process.execPath, [SEED_BIN, 'push', '--tar', image.path, '--to', host, '--retries', '0']],
  'skopeo copy': (image, host) => ['skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${image.path}`, `docker://${host}/${image.repository}:${image.tag}`]],
  'skopeo copy --preserve-digests': (image, host) => ['skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `docker-archive:${image.path}`, `docker://${host}/${image.repository}:${image.tag}`]],
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seconds per tool per run, each into an empty distribution; the order rotates between runs. */
export async function measurePush(image, { runs, tmpDir }) {
  const names = Object.keys(TOOLS);
  const seconds = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + run) % names.length];
      const dir = join(tmpDir, 'push-target');
      const target = await freshDistribution(dir);
      try {
        execFileSync('sync');
        const [cmd, args] = TOOLS[name](image, target.host);
        const t0 = performance.now();
        await execFileAsync(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 1 << 22 });
        seconds[name].push((performance.now() - t0) / 1000);
        console.error(`  ${name}: ${seconds[name].at(-1).toFixed(1)} s`);
      } finally {
        await stop(target.proc);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const MiB = image.size / 2 ** 20;
  const seed = median(seconds['seed-registry push']);
  return Object.fromEntries(names.map((n) => {
    const s = median(seconds[n]);
    return [n, { seconds: seconds[n], median: s, mibPerSecond: MiB / s, vsSeed: s / seed }];
  }));
}

export function renderPush(image, results) {
  const rows = Object.entries(results).map(([name, r]) =>
    `| ${name} | ${r.median.toFixed(1)} s (${r.seconds.map((s) => s.toFixed(1)).join(', ')}) | ${r.mibPerSecond.toFixed(0)} MiB/s | ${r.vsSeed.toFixed(2)}× |`);
  return [
    `Push of ${image.path.split('/').pop()} (${(image.size / 2 ** 20).toFixed(0)} MiB, ${image.layers.length} layers, docker save) into an empty distribution:`,
    '',
    '| tool | median (runs) | throughput | time vs seed-registry push |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
