// `npm run bench -- --caps`: the bandwidth caps held over a long window. Two phases against one
// seed-registry each: 8 clients pulling blobs in a loop under --max-bandwidth (the rate they get
// together, and how evenly it is shared), and 8 clients from 8 loopback addresses under
// --max-client-bandwidth (the rate each gets). During the first, a manifest is fetched every
// 100 ms on its own connection: its latency while blobs are held back.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ensureImage } from './images.js';
import { MANIFEST_ACCEPT, get } from './http.js';
import { start, stop, waitForOutput } from './proc.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
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

async function phase(image, args, { clients, seconds, addresses, withManifests }) {
  const proc = start(process.execPath, [SEED_BIN, '--tar', image.path, '--port', '0', '--host', '0.0.0.0', '--quiet', ...args], { name: 'seed-registry' });
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
    const latencies = [];
    const manifests = withManifests ? (async () => {
      while (!done()) {
        const t = performance.now();
        const res = await get(`${base}/manifests/${image.tag}`, { headers: { accept: MANIFEST_ACCEPT } });
        if (res.status !== 200) throw new Error(`manifest: status ${res.status}`);
        if (t > t0 + WARM_UP_MS) latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 100));
      }
    })() : Promise.resolve();
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    marks.start = { t: performance.now(), bytes: [...bytes] };
    await new Promise((r) => setTimeout(r, seconds * 1000));
    marks.end = { t: performance.now(), bytes: [...bytes] };
    await Promise.all([...loops, manifests]);
    const window = (marks.end.t - marks.start.t) / 1000;
    const perClient = bytes.map((_, i) => (marks.end.bytes[i] - marks.start.bytes[i]) / window);
    return { window, perClient, total: perClient.reduce((a, b) => a + b, 0), latencies: latencies.sort((a, b) => a - b) };
  } finally {
    await stop(proc);
  }
}

const pct = (x, cap) => `${(((x - cap) / cap) * 100).toFixed(1)}%`;
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function runCapsBench(sizes) {
  const tmp = mkdtempSync(join(tmpdir(), 'seed-registry-caps-'));
  try {
    const image = await ensureImage(join(tmp, 'caps.tar'), { format: 'docker-save-legacy', name: 'bench/caps:latest', layerCount: 1, layerMiB: 64, seed: 'caps' });
    const clients = sizes['caps-clients'];
    const seconds = sizes['caps-seconds'];
    const seedCap = sizes['caps-seed-mib'] * MiB;
    const clientCap = sizes['caps-client-mib'] * MiB;
    console.error(`caps: --max-bandwidth ${sizes['caps-seed-mib']}M, ${clients} clients, ${seconds} s`);
    const seed = await phase(image, ['--max-bandwidth', `${sizes['caps-seed-mib']}M`], { clients, seconds, addresses: () => '127.0.0.1', withManifests: true });
    console.error(`caps: --max-client-bandwidth ${sizes['caps-client-mib']}M, ${clients} clients from ${clients} addresses, ${seconds} s`);
    const perClient = await phase(image, ['--max-client-bandwidth', `${sizes['caps-client-mib']}M`], { clients, seconds, addresses: (i) => `127.0.0.${11 + i}`, withManifests: false });
    return { seedCap, clientCap, clients, seconds, seed, perClient };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function renderCaps(r) {
  const mib = (x) => (x / MiB).toFixed(2);
  const spread = (xs) => `${mib(Math.min(...xs))}–${mib(Math.max(...xs))}`;
  const lat = r.seed.latencies;
  return [
    `Bandwidth caps, ${r.clients} clients pulling a 64 MiB blob in a loop, ${r.seed.window.toFixed(1)} s window after ${WARM_UP_MS / 1000} s:`,
    '',
    '| cap | held (MiB/s) | off the cap | per client (MiB/s) |',
    '|---|---|---|---|',
    `| --max-bandwidth ${mib(r.seedCap)} MiB/s, all clients together | ${mib(r.seed.total)} | ${pct(r.seed.total, r.seedCap)} | ${spread(r.seed.perClient)} |`,
    `| --max-client-bandwidth ${mib(r.clientCap)} MiB/s, each of ${r.clients} addresses | ${spread(r.perClient.perClient)} | ${pct(Math.min(...r.perClient.perClient), r.clientCap)} to ${pct(Math.max(...r.perClient.perClient), r.clientCap)} | (sum ${mib(r.perClient.total)}) |`,
    '',
    `Manifest GETs during the --max-bandwidth phase (new connection each, every 100 ms): ${lat.length} requests, median ${quantile(lat, 0.5).toFixed(1)} ms, p99 ${quantile(lat, 0.99).toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms.`,
  ].join('\n');
}
