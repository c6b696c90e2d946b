// `npm run bench -- --live`: live content. (1) Time from `mv new.tar DIR/` (a rename into the
// watched folder) to the first 200 for its manifest, for a small and a large archive, with the
// default settle time (1 s): "written earlier" is an archive whose mtime is old (it arrived a while
// ago and is moved in: taken at once), "fresh" one written just before the move (touched: it must
// stay unchanged for the settle time first). Beside it, the load time the seed's reload line gives
// (load, prepare and swap of the whole folder); the target is that load time + 1 s at most.
// (2) Throughput of a pull loop (whole-blob GETs of one layer by --live-clients clients) with 20
// swaps during it (an archive moved in and out of the folder) against the same loop without.
// Options: --live-small-mib N (default 2), --live-large-mib N (default 2048), --live-runs N (3),
// --live-seconds N (pull loop length, default 10), --live-clients N (4).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ensureImage } from './images.js';
import { get, MANIFEST_ACCEPT } from './http.js';
import { start, stop, waitForOutput } from './proc.js';
import { summarize } from './stats.js';

const SEED_BIN = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
const LISTENING = /listening on (http:\/\/[^\s]+)/;
const SWAPS = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runLiveBench({ dir, smallMib = 2, largeMib = 2048, runs = 3, seconds = 10, clients = 4, log = console.error }) {
  const folder = join(dir, 'live-folder');
  const outside = join(dir, 'live-outside');
  mkdirSync(folder, { recursive: true });
  mkdirSync(outside, { recursive: true });
  const image = (name, mib, where = outside) =>
    ensureImage(join(where, `${name}.tar`), { format: 'docker-save-legacy', name: `bench/live-${name}:latest`, layerCount: 2, layerMiB: Math.max(1, Math.round(mib / 2)), seed: `live/${name}`, gzipLevel: 0 });
  log('live: writing archives');
  const base = await image('base', 64, folder);
  const small = await image('small', smallMib);
  const large = largeMib > 0 ? await image('large', largeMib) : undefined;
  const swap = await image('swap', 2);
  execFileSync('sync');
  const proc = start(process.execPath, [SEED_BIN, '--tar', folder, '--port', '0', '--host', '127.0.0.1', '--quiet'], { name: 'seed-registry' });
  try {
    const [, url] = await waitForOutput(proc, LISTENING, 120_000);
    const baseUrl = url.replace(/\/$/, '');
    const arrival = {};
    for (const [key, img] of Object.entries({ small, large })) {
      if (!img) continue;
      arrival[key] = { mib: Math.round(img.size / 2 ** 20), load: [], earlier: [], fresh: [] };
      for (let run = 0; run < runs; run++) {
        for (const kind of ['earlier', 'fresh']) {
          const old = Date.now() / 1000 - 3600;
          if (kind === 'earlier') utimesSync(img.path, old, old);
          else utimesSync(img.path, new Date(), new Date());
          arrival[key][kind].push(await mvToFirst200(baseUrl, img, folder));
          arrival[key].load.push(await lastLoadMs(proc));
          renameSync(join(folder, `${img.repository.split('/')[1]}.tar`), img.path);
          await waitForStatus(`${baseUrl}/v2/${img.repository}/manifests/${img.tag}`, 404);
        }
      }
      for (const kind of ['earlier', 'fresh', 'load']) arrival[key][kind] = summarize(arrival[key][kind]);
      log(`live: ${key} mv → 200 written earlier ${arrival[key].earlier.median.toFixed(0)} ms, fresh ${arrival[key].fresh.median.toFixed(0)} ms, load ${arrival[key].load.median.toFixed(0)} ms`);
    }
    const blob = `${baseUrl}/v2/${base.repository}/blobs/${base.layers[0].digest}`;
    const without = [];
    const withSwaps = [];
    for (let run = 0; run < runs; run++) {
      without.push(await pullLoop(blob, clients, seconds * 1000));
      withSwaps.push(await pullLoop(blob, clients, seconds * 1000, () => swapping(swap, folder, baseUrl, seconds * 1000)));
      log(`live: pull loop ${(without.at(-1).mibPerS).toFixed(0)} MiB/s without swaps, ${(withSwaps.at(-1).mibPerS).toFixed(0)} MiB/s with ${SWAPS}`);
    }
    const mibs = (xs) => summarize(xs.map((x) => x.mibPerS));
    const failed = [...without, ...withSwaps].reduce((n, x) => n + x.failed, 0);
    return { arrival, throughput: { without: mibs(without), with: mibs(withSwaps), clients, seconds, swaps: SWAPS, failed, blobMiB: base.layers[0].size / 2 ** 20 } };
  } finally {
    await stop(proc);
  }
}

/** `mv` into the folder, then GET the manifest every 5 ms: milliseconds to the first 200. */
async function mvToFirst200(baseUrl, img, folder) {
  const url = `${baseUrl}/v2/${img.repository}/manifests/${img.tag}`;
  const t0 = performance.now();
  renameSync(img.path, join(folder, `${img.repository.split('/')[1]}.tar`));
  await waitForStatus(url, 200, 5);
  return performance.now() - t0;
}

async function waitForStatus(url, status, intervalMs = 20) {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const res = await get(url, { headers: { accept: MANIFEST_ACCEPT }, timeoutMs: 10_000 }).catch(() => undefined);
    if (res?.status === status) return;
    await sleep(intervalMs);
  }
  throw new Error(`${url}: no ${status} within 120 s`);
}

/** The load time of the latest reload line (`content reloaded: …; loaded in N ms`). */
async function lastLoadMs(proc) {
  await sleep(50);
  const all = [...proc.output.matchAll(/content reloaded: [^\n]*; loaded in (\d+) ms/g)];
  if (all.length === 0) throw new Error(`no reload line from the seed:\n${proc.output}`);
  return Number(all.at(-1)[1]);
}

/** `clients` loops of whole-blob GETs for `ms`; `during` runs beside them. MiB/s of bodies received. */
async function pullLoop(url, clients, ms, during = async () => {}) {
  let bytes = 0;
  let failed = 0;
  const until = performance.now() + ms;
  const t0 = performance.now();
  const loops = Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const res = await get(url).catch(() => undefined);
      if (res?.status === 200) bytes += res.bytes;
      else failed++;
    }
  });
  await Promise.all([...loops, during()]);
  return { mibPerS: bytes / 2 ** 20 / ((performance.now() - t0) / 1000), failed };
}

/** SWAPS swaps spread over `ms`: the small archive moved into the folder and out again, in turn. */
async function swapping(img, folder, baseUrl, ms) {
  const inside = join(folder, 'swap.tar');
  const old = Date.now() / 1000 - 3600;
  utimesSync(img.path, old, old);
  for (let i = 0; i < SWAPS; i++) {
    await sleep(ms / (SWAPS + 1));
    if (i % 2 === 0) renameSync(img.path, inside);
    else renameSync(inside, img.path);
  }
  if (SWAPS % 2 === 1) renameSync(inside, img.path);
  await waitForStatus(`${baseUrl}/v2/${img.repository}/manifests/${img.tag}`, 404);
}

export function renderLive(r) {
  const ms = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const rows = Object.entries(r.arrival).map(([key, a]) => `| ${key} (${a.mib} MiB) | ${ms(a.earlier)} | ${ms(a.fresh)} | ${ms(a.load)} |`);
  const t = r.throughput;
  const ratio = t.with.median / t.without.median;
  return [
    '| archive moved in | mv → first 200, written earlier | mv → first 200, fresh (settle 1 s) | load time (the reload line) |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Pull loop (${t.clients} clients, whole GETs of a ${t.blobMiB.toFixed(0)} MiB layer, ${t.seconds} s): ${t.without.median.toFixed(0)} MiB/s without swaps (${t.without.min.toFixed(0)}–${t.without.max.toFixed(0)}), ${t.with.median.toFixed(0)} MiB/s with ${t.swaps} swaps (${t.with.min.toFixed(0)}–${t.with.max.toFixed(0)}): ${ratio.toFixed(2)}x (target ≥ 0.9x); failed requests: ${t.failed}.`,
  ].join('\n');
}
