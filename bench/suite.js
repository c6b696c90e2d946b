// What is measured for one server, start to finish. Servers run one at a time; a failed measurement
// is recorded as an error for that server and the run goes on with the next one.
import { execFileSync } from 'node:child_process';
import { getManifest } from './http.js';
import { blobThroughput, manifestLoad, rangeThroughput } from './measure.js';
import { peakRss } from './proc.js';
import { summarize } from './stats.js';

const log = (...parts) => console.error('  ', ...parts);

/** The layers this server lists for the image (distribution re-compresses what skopeo pushes). */
async function servedLayers(server) {
  let manifest = await getManifest(server.manifestUrl);
  if (Array.isArray(manifest.manifests)) {
    manifest = await getManifest(server.manifestUrl.replace(/manifests\/[^/]+$/, `manifests/${manifest.manifests[0].digest}`));
  }
  return manifest.layers.map((l) => ({ digest: l.digest, size: l.size }));
}

async function readyRuns(peer, image, runs, ctx) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const server = await peer.start(image, ctx);
    samples.push(server.readyMs);
    await server.stop();
  }
  log(`${peer.name} ready ${image.key}: ${samples.map((s) => s.toFixed(0)).join(', ')} ms`);
  return summarize(samples);
}

async function repeat(runs, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await fn());
  return summarize(samples);
}

/** Blob, range and manifest load on one running server, then its peak RSS. */
async function loadSession(peer, image, opts, ctx, runs) {
  const server = await peer.start(image, ctx, { reuse: true });
  try {
    // A peer's import has just written the image again: flush it before measuring (see run.js).
    execFileSync('sync');
    const layers = await servedLayers(server);
    const figures = {};
    figures.blob1 = await repeat(runs, () => blobThroughput(server, layers, 1));
    figures.blob4 = await repeat(runs, () => blobThroughput(server, layers, 4));
    figures.range = await repeat(runs, () => rangeThroughput(server, layers));
    const loads = [];
    for (let i = 0; i < opts.wrkRuns; i++) loads.push(await manifestLoad(server, opts.wrk));
    figures.manifestRps = summarize(loads.map((l) => l.rps));
    figures.manifestP99 = summarize(loads.map((l) => l.p99Ms));
    figures.rss = summarize([peakRss(server.pid)]);
    log(`${peer.name} load ${image.key}: blob1 ${figures.blob1.median.toFixed(0)} MiB/s, blob4 ${figures.blob4.median.toFixed(0)} MiB/s, ` +
      `range ${figures.range.median.toFixed(0)} MiB/s, ${figures.manifestRps.median.toFixed(0)} req/s, ` +
      `p99 ${figures.manifestP99.median.toFixed(2)} ms, RSS ${(figures.rss.median / 1048576).toFixed(1)} MiB`);
    return figures;
  } finally {
    await server.stop();
  }
}

/** Each client pulls the large image in turn; a client that fails is an error, the others still run. */
async function pullSession(peer, image, opts, ctx, attempt) {
  const server = await peer.start(image, ctx, { reuse: true });
  const figures = {};
  try {
    for (const [client, pull] of Object.entries(ctx.clients.pulls)) {
      await attempt(client, async () => {
        figures[`pull:${client}`] = await repeat(opts.pullRuns, () => pull(server, image));
        log(`${peer.name} ${client}: ${figures[`pull:${client}`].median.toFixed(1)} s`);
      });
    }
  } finally {
    await server.stop();
  }
  return figures;
}

/** Every figure for one server: { figures, errors }. */
export async function measurePeer(peer, images, opts, ctx) {
  const figures = {};
  const errors = [];
  async function attempt(label, fn) {
    try {
      await fn();
    } catch (err) {
      errors.push(`${label}: ${err.message.split('\n').slice(0, 3).join(' | ')}`);
      log(`${peer.name} ${label} FAILED: ${err.message.split('\n')[0]}`);
    }
  }
  const readyCount = peer.name === 'distribution' ? opts.importRuns : opts.readyRuns;
  for (const key of ['small', 'large', 'crane']) {
    if (!images[key]) continue;
    await attempt(`ready ${key}`, async () => { figures[`ready.${key}`] = await readyRuns(peer, images[key], readyCount, ctx); });
  }
  await attempt('load large', async () => {
    const large = await loadSession(peer, images.large, opts, ctx, opts.runs);
    for (const [name, value] of Object.entries(large)) figures[name === 'rss' ? 'rss.large' : name] = value;
  });
  // The same load on the small image, run once: only its peak RSS is kept, for the large/small comparison.
  await attempt('load small', async () => {
    const small = await loadSession(peer, images.small, { ...opts, wrkRuns: 1 }, ctx, 1);
    figures['rss.small'] = small.rss;
  });
  if (ctx.clients && peer.registry) {
    await attempt('pulls', async () => Object.assign(figures, await pullSession(peer, images.large, opts, ctx, attempt)));
  }
  return { figures, errors };
}
