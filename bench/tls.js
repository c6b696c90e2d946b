// `npm run bench -- --tls` (or --tls-only): what TLS and metrics cost. One image, four servers
// running side by side and measured in turns (round-robin, so a burst of noise on this shared
// machine hits all of them): seed-registry over HTTP with and without /metrics, seed-registry over
// HTTPS, and distribution over HTTPS with the very same certificate (the seed's --tls-self-signed).
// Clients verify the certificate: curl against the CA (CURL_CA_BUNDLE), wrk over TLS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { MANIFEST_ACCEPT, getManifest, trustCa, waitFor200 } from './http.js';
import { blobThroughput, manifestLoad } from './measure.js';
import { distribution } from './peers.js';
import { freePort, start, stop, waitForOutput } from './proc.js';
import { summarize } from './stats.js';
import { measureStageCost } from './stage-cost.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const READY_TIMEOUT_MS = 60_000;
const log = (...parts) => console.error('  ', ...parts);

function server(name, proc, base, image) {
  const repo = `${base}/v2/${image.repository}`;
  return { name, proc, pid: proc.pid, manifestUrl: `${repo}/manifests/${image.tag}`, blobUrl: (d) => `${repo}/blobs/${d}` };
}

async function startSeed(name, image, certs, extra) {
  const args = [SEED_BIN, '--tar', image.path, '--port', '0', '--host', '127.0.0.1', '--quiet', ...extra];
  const proc = start(process.execPath, args, { name });
  const [, scheme, port] = await waitForOutput(proc, /listening on (https?):\/\/127\.0\.0\.1:(\d+)/, READY_TIMEOUT_MS);
  // HTTPS by the name the certificate carries, so clients verify it.
  return server(name, proc, `${scheme}://${scheme === 'https' ? 'localhost' : '127.0.0.1'}:${port}`, image);
}

/** distribution on the storage its peer's import left, serving TLS with the seed's certificate. */
async function startDistributionTls(image, ctx, certs) {
  const imported = await distribution.start(image, ctx, { reuse: true });
  await imported.stop();
  const dir = join(ctx.tmpDir, `distribution-${image.key}`);
  const port = await freePort();
  const config = join(dir, 'config-tls.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} }, cache: { blobdescriptor: inmemory } }`,
    `http: { addr: 127.0.0.1:${port}, tls: { certificate: ${join(certs, 'tls.crt')}, key: ${join(certs, 'tls.key')} } }`,
    '',
  ].join('\n'));
  const proc = start('docker-registry', ['serve', config], { name: 'distribution https' });
  const s = server('distribution https', proc, `https://localhost:${port}`, image);
  await waitFor200(s.manifestUrl, { headers: { accept: MANIFEST_ACCEPT }, deadline: performance.now() + READY_TIMEOUT_MS, proc });
  return s;
}

/** CPU seconds (user + system) the process has used: per-request CPU resists other load on the machine. */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** wrk's req/s and the server's CPU microseconds per request over the same run. */
async function manifestRun(s, wrk) {
  const cpu0 = cpuSeconds(s.pid);
  const { rps } = await manifestLoad(s, wrk);
  return { rps, cpuUs: ((cpuSeconds(s.pid) - cpu0) / (rps * wrk.seconds)) * 1e6 };
}

async function layersOf(s) {
  const manifest = await getManifest(s.manifestUrl);
  return manifest.layers.map((l) => ({ digest: l.digest, size: l.size }));
}

/** Figures per server: blob1, blob4 (MiB/s), manifestRps; medians over `runs` turns. */
export async function measureTls(images, opts, ctx) {
  const image = images.large;
  const certs = join(ctx.tmpDir, 'tls-certs');
  mkdirSync(certs, { recursive: true });
  const servers = [];
  const previousCa = process.env.CURL_CA_BUNDLE;
  try {
    // The HTTPS seed starts first: it makes the CA and certificate distribution then serves too.
    servers.push(await startSeed('seed https', image, certs, ['--tls-self-signed', certs]));
    trustCa(readFileSync(join(certs, 'ca.crt')));
    servers.push(await startDistributionTls(image, ctx, certs));
    servers.push(await startSeed('seed http', image, certs, []));
    servers.push(await startSeed('seed http --no-metrics', image, certs, ['--no-metrics']));
    process.env.CURL_CA_BUNDLE = join(certs, 'ca.crt');
    const samples = Object.fromEntries(servers.map((s) => [s.name, { blob1: [], blob4: [], manifestRps: [], manifestCpuUs: [] }]));
    const layers = Object.fromEntries(await Promise.all(servers.map(async (s) => [s.name, await layersOf(s)])));
    for (let run = 0; run < opts.runs; run++) {
      for (const s of servers) {
        samples[s.name].blob1.push(await blobThroughput(s, layers[s.name], 1));
        samples[s.name].blob4.push(await blobThroughput(s, layers[s.name], 4));
      }
    }
    for (let run = 0; run < opts.wrkRuns; run++) {
      for (const s of servers) {
        const { rps, cpuUs } = await manifestRun(s, opts.wrk);
        samples[s.name].manifestRps.push(rps);
        samples[s.name].manifestCpuUs.push(cpuUs);
      }
    }
    const figures = { stageCost: await measureStageCost() };
    log(`metrics stage alone: ${figures.stageCost.addedUs.toFixed(2)} µs per request`);
    for (const s of servers) {
      figures[s.name] = Object.fromEntries(Object.entries(samples[s.name]).map(([k, v]) => [k, summarize(v)]));
      const f = figures[s.name];
      log(`${s.name}: blob1 ${f.blob1.median.toFixed(0)} MiB/s, blob4 ${f.blob4.median.toFixed(0)} MiB/s, ${f.manifestRps.median.toFixed(0)} req/s, ${f.manifestCpuUs.median.toFixed(0)} µs CPU/req`);
    }
    return figures;
  } finally {
    if (previousCa === undefined) delete process.env.CURL_CA_BUNDLE;
    else process.env.CURL_CA_BUNDLE = previousCa;
    await Promise.all(servers.map((s) => stop(s.proc)));
  }
}

const cell = (s, digits = 0) => (s.runs > 1 ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : s.median.toFixed(digits));
const pct = (a, b) => `${(((a.median / b.median) - 1) * 100).toFixed(1)}%`;

/** Median of run-by-run ratios: run i of both servers ran back to back, so slow drift of the load cancels. */
function pairedPct(a, b) {
  const ratios = a.samples.map((v, i) => v / b.samples[i]).sort((x, y) => x - y);
  const mid = Math.floor(ratios.length / 2);
  const median = ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
  return `${((median - 1) * 100).toFixed(1)}% (runs ${ratios.map((r) => `${((r - 1) * 100).toFixed(0)}%`).join(', ')})`;
}

/** Markdown: one row per server, then the ratios the issue asks about. */
export function renderTls(figures) {
  const { stageCost, ...servers } = figures;
  const rows = Object.entries(servers).map(([name, f]) => `| ${name} | ${cell(f.blob1)} | ${cell(f.blob4)} | ${cell(f.manifestRps)} | ${cell(f.manifestCpuUs)} |`);
  const seed = figures['seed https'];
  const dist = figures['distribution https'];
  const http = figures['seed http'];
  const off = figures['seed http --no-metrics'];
  return [
    '| server | blob GET 1 stream (MiB/s) | blob GET 4 streams (MiB/s) | manifest GET (req/s) | server CPU per manifest GET (µs) |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `HTTPS, seed/distribution: blob 1 stream ${(seed.blob1.median / dist.blob1.median).toFixed(2)}×, 4 streams ${(seed.blob4.median / dist.blob4.median).toFixed(2)}×, manifest req/s ${(seed.manifestRps.median / dist.manifestRps.median).toFixed(2)}×.`,
    `TLS cost for the seed (HTTPS vs HTTP): blob 1 stream ${pct(seed.blob1, http.blob1)}, 4 streams ${pct(seed.blob4, http.blob4)}, manifest req/s ${pct(seed.manifestRps, http.manifestRps)}.`,
    `Metrics cost (HTTP, on vs --no-metrics), median of paired runs: manifest req/s ${pairedPct(http.manifestRps, off.manifestRps)}; server CPU per manifest GET ${pairedPct(http.manifestCpuUs, off.manifestCpuUs)} (target: within 5%).`,
    `Metrics stage in isolation (stage-cost.js, 1M calls): ${stageCost.addedUs.toFixed(2)} µs per request = ${((stageCost.addedUs / off.manifestCpuUs.median) * 100).toFixed(1)}% of the server's CPU per manifest GET without metrics (${off.manifestCpuUs.median.toFixed(0)} µs).`,
  ].join('\n');
}
