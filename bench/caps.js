// `npm run bench -- --caps`: the bandwidth caps held over a long window. Two phases against one
// seed-registry each: 8 clients pulling blobs in a loop under --max-bandwidth (the rate they get
// together, and how evenly it is shared), and 8 clients from 8 loopback addresses under
// --max-client-bandwidth (the rate each gets). During the first, a manifest is fetched every
// 100 ms on its own connection: its latency while blobs are held back, seen three ways (see
// measureManifests): by a prober in this process, by one in a process of its own, and by the seed.
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ensureImage } from './images.js';
import { MANIFEST_ACCEPT, get } from './http.js';
import { execFileAsync, start, stop, waitForOutput } from './proc.js';
import { delaySummary, quantile } from './stats.js';
import { seedCommand } from './peers.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const WATCH = join(ROOT, 'bench/server-watch.js');
const PROBE = join(ROOT, 'bench/caps-probe.js');
const MiB = 2 ** 20;
export const CAPS_DEFAULTS = { 'caps-seed-mib': 32, 'caps-client-mib': 4, 'caps-seconds': 30, 'caps-clients': 8 };
/** The buckets' burst and the connections' start are left out: the window opens after this. */
const WARM_UP_MS = 3000;

/** Pulls `url` in a loop from `localAddress` until `until()` says stop; `count(bytes)` per chunk. */
function pullLoop(url, localAddress, count, until) {
  return new Promise((resolve, reject) => {
    const once = () => {
      if (until()) return resolve();
      const req = request(url, { localAddress, agent: false }, (res) => {
        res.on('data', (chunk) => count(chunk.length));
        res.on('end', once);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    };
    once();
  });
}

/**
 * Manifest GETs while the pullers run: `inline` from this process (whose loop also carries the 8
 * pulling loops' callbacks), `apart` from a process of its own (bench/caps-probe.js), both on a new
 * connection every 100 ms. With the seed's own view (bench/server-watch.js) they tell the seed's
 * latency from the bench's.
 */
function measureManifests(url, until, warmUntil, seconds) {
  const inline = (async () => {
    const latencies = [];
    while (performance.now() < until()) {
      const t = performance.now();
      const res = await get(url, { headers: { accept: MANIFEST_ACCEPT } });
      if (res.status !== 200) throw new Error(`manifest: status ${res.status}`);
      if (t > warmUntil) latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    return latencies;
  })();
  const apart = execFileAsync(process.execPath, [PROBE, url, String(Math.max(0, warmUntil - performance.now())), String(seconds)])
    .then(({ stdout }) => JSON.parse(stdout));
  return Promise.all([inline, apart]).then(([inlineLatencies, probe]) => ({ inline: inlineLatencies, apart: probe.latencies, apartLoop: probe.loop }));
}

async function phase(image, args, { clients, seconds, addresses, withManifests, watchFile }) {
  const env = { ...process.env, SEED_BENCH_WATCH: watchFile };
  // The seed's own view needs the preload: node bin/seed-registry.js, not a single executable.
  const [node, ...rest] = seedCommand();
  if (rest.length === 0) throw new Error('--caps measures node bin/seed-registry.js (--seed-node), not --seed-exe');
  const proc = start(node, ['--import', WATCH, ...rest, '--tar', image.path, '--port', '0', '--host', '0.0.0.0', '--quiet', ...args], { name: 'seed-registry', env });
  try {
    const [, port] = await waitForOutput(proc, /listening on http:\/\/[^\s]*:(\d+)/, 60_000);
    const base = `http://127.0.0.1:${port}/v2/${image.repository}`;
    const layer = image.layers[0].digest;
    const bytes = new Array(clients).fill(0);
    const marks = { start: undefined, end: undefined };
    const t0 = performance.now();
    const stopAt = t0 + WARM_UP_MS + seconds * 1000;
    const done = () => performance.now() >= stopAt;
    const loops = bytes.map((_, i) => pullLoop(`${base}/blobs/${layer}`, addresses(i), (n) => (bytes[i] += n), done));
    const manifests = withManifests ? measureManifests(`${base}/manifests/${image.tag}`, () => stopAt, t0 + WARM_UP_MS, seconds) : undefined;
    const benchLoop = monitorEventLoopDelay({ resolution: 1 });
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    process.kill(proc.pid, 'SIGUSR2');
    benchLoop.enable();
    marks.start = { t: performance.now(), bytes: [...bytes] };
    await new Promise((r) => setTimeout(r, seconds * 1000));
    marks.end = { t: performance.now(), bytes: [...bytes] };
    benchLoop.disable();
    const [, seen] = await Promise.all([Promise.all(loops), manifests]);
    await stop(proc);
    // Written by the seed as it exits (bench/server-watch.js); only the manifest phase reports it.
    const server = withManifests ? JSON.parse(readFileSync(watchFile, 'utf8')) : undefined;
    const window = (marks.end.t - marks.start.t) / 1000;
    const perClient = bytes.map((_, i) => (marks.end.bytes[i] - marks.start.bytes[i]) / window);
    const sort = (xs) => [...xs].sort((a, b) => a - b);
    const latencies = seen && { inline: sort(seen.inline), apart: sort(seen.apart), served: sort(server.served), apartLoop: seen.apartLoop };
    return { window, perClient, total: perClient.reduce((a, b) => a + b, 0), latencies, loops: { seed: server?.loop, bench: delaySummary(benchLoop) } };
  } finally {
    await stop(proc);
  }
}

const pct = (x, cap) => `${(((x - cap) / cap) * 100).toFixed(1)}%`;

export async function runCapsBench(sizes) {
  const tmp = mkdtempSync(join(tmpdir(), 'seed-registry-caps-'));
  try {
    const image = await ensureImage(join(tmp, 'caps.tar'), { format: 'docker-save-legacy', name: 'bench/caps:latest', layerCount: 1, layerMiB: 64, seed: 'caps' });
    const clients = sizes['caps-clients'];
    const seconds = sizes['caps-seconds'];
    const seedCap = sizes['caps-seed-mib'] * MiB;
    const clientCap = sizes['caps-client-mib'] * MiB;
    console.error(`caps: --max-bandwidth ${sizes['caps-seed-mib']}M, ${clients} clients, ${seconds} s`);
    const seed = await phase(image, ['--max-bandwidth', `${sizes['caps-seed-mib']}M`], { clients, seconds, addresses: () => '127.0.0.1', withManifests: true, watchFile: join(tmp, 'seed-watch.json') });
    console.error(`caps: --max-client-bandwidth ${sizes['caps-client-mib']}M, ${clients} clients from ${clients} addresses, ${seconds} s`);
    const perClient = await phase(image, ['--max-client-bandwidth', `${sizes['caps-client-mib']}M`], { clients, seconds, addresses: (i) => `127.0.0.${11 + i}`, withManifests: false, watchFile: join(tmp, 'client-watch.json') });
    return { seedCap, clientCap, clients, seconds, seed, perClient };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function renderCaps(r) {
  const mib = (x) => (x / MiB).toFixed(2);
  const spread = (xs) => `${mib(Math.min(...xs))}–${mib(Math.max(...xs))}`;
  const { latencies: lat, loops } = r.seed;
  const row = (what, xs) => `| ${what} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} ms | ${quantile(xs, 0.99).toFixed(1)} ms | ${xs[xs.length - 1].toFixed(1)} ms |`;
  const loopRow = (what, l) => `| ${what} | ${l.count} ticks | ${l.median.toFixed(1)} ms | ${l.p99.toFixed(1)} ms | ${l.max.toFixed(1)} ms |`;
  return [
    `Bandwidth caps, ${r.clients} clients pulling a 64 MiB blob in a loop, ${r.seed.window.toFixed(1)} s window after ${WARM_UP_MS / 1000} s:`,
    '',
    '| cap | held (MiB/s) | off the cap | per client (MiB/s) |',
    '|---|---|---|---|',
    `| --max-bandwidth ${mib(r.seedCap)} MiB/s, all clients together | ${mib(r.seed.total)} | ${pct(r.seed.total, r.seedCap)} | ${spread(r.seed.perClient)} |`,
    `| --max-client-bandwidth ${mib(r.clientCap)} MiB/s, each of ${r.clients} addresses | ${spread(r.perClient.perClient)} | ${pct(Math.min(...r.perClient.perClient), r.clientCap)} to ${pct(Math.max(...r.perClient.perClient), r.clientCap)} | (sum ${mib(r.perClient.total)}) |`,
    '',
    'Manifest GETs during the --max-bandwidth phase (a new connection each, every 100 ms), and event-loop delay (1 ms timer, so ~1.1 ms when idle):',
    '',
    '| seen by | count | median | p99 | max |',
    '|---|---|---|---|---|',
    row('a prober in a process of its own (connect to last byte)', lat.apart),
    row('a prober in the pullers\' process (connect to last byte)', lat.inline),
    row('the seed (headers parsed to response handed to the kernel)', lat.served),
    loopRow('event loop of the seed', loops.seed),
    loopRow('event loop of the pullers\' process', loops.bench),
    loopRow('event loop of the prober\'s own process', lat.apartLoop),
  ].join('\n');
}
