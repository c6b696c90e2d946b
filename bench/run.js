#!/usr/bin/env node
// `npm run bench`: seed-registry against distribution and nginx, side by side in one run.
// Generates its images in a temp dir, runs one server at a time, prints medians (min–max) and
// seed/peer ratios, writes JSON, and keeps the latest results in docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ensureImage } from './images.js';
import { PEERS } from './peers.js';
import { killAllSync, stopAll } from './proc.js';
import { measurePeer } from './suite.js';
import { runHerd } from './herd-run.js';
import { startClients } from './clients.js';
import { MEMORY_DEFAULTS, measureMemory, memoryImage, renderMemory } from './memory.js';
import { describeMachine, renderMachine } from './machine.js';
import { measureNodeFloor, renderFloor } from './floor.js';
import { countReleaseStart, measureRelease, renderRelease } from './release.js';
import { installedCopy } from './installed.js';
import { renderZstd, runZstdBench } from './zstd.js';
import { renderTalos, runTalosBench } from './talos.js';
import { renderUi, runUiBench } from './ui.js';
import { renderUiCount, runUiCount } from './ui-count.js';
import { checkTargets, renderErrors, renderTable, renderTargets, writeDocs } from './report.js';
import { measurePush, renderPush } from './push.js';
import { measurePushPlan } from './push-plan.js';
import { measureFolder, renderFolder } from './folder.js';
import { measureTls, renderTls } from './tls.js';
import { measureSigned, renderSigned } from './signed.js';
import { CAPS_DEFAULTS, renderCaps, runCapsBench } from './caps.js';
import { TIERED_DEFAULTS, renderTiered, runTieredBench } from './tiered.js';
import { renderLive, runLiveBench } from './live.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const USAGE = `usage: node bench/run.js [options]
  --small-mib N      small image size, 2 layers (default 2)
  --large-mib N      large image size, --large-layers layers (default 2048)
  --large-layers N   (default 4)
  --crane-mib N      crane tarball size, gzip layers (default 1024; 0 skips it)
  --crane-layers N   (default 4)
  --gzip-level N     gzip level of the crane layers (default 0: stored blocks; the data is incompressible)
  --runs N           runs per throughput figure (default 5)
  --ready-runs N     time-to-ready runs per tarball (default 5)
  --import-runs N    time-to-ready runs for distribution, each a full skopeo import (default 3)
  --wrk-runs N       manifest load runs (default 3)
  --wrk-seconds N    each manifest load run (default 10)
  --connections N    manifest load connections (default 16)
  --peers LIST       servers, comma-separated (default seed-registry,distribution,nginx)
  --tls              also measure HTTPS (seed, distribution, same certificate) and /metrics on/off
  --tls-only         only that (no --peers run, docs not updated)
  --signed           only the signature policy's cost (bench/signed.js): manifest p99 with and without
                     --signed-by, --wrk-runs turns of --wrk-seconds each
  --pulls            also time docker pull, ctr images pull, skopeo copy of the large image
  --pull-runs N      (default 1)
  --images-dir DIR   keep generated images in DIR and reuse them (default: a temp dir, removed)
  --folder           only the folder-of-archives start-up (bench/folder.js)
  --folder-archives N, --folder-mib N, --folder-runs N   its archives, MiB each, runs (default 20, 8, 3)
  --out FILE         JSON results (default .bench/results.json)
  --no-docs          do not update docs/benchmarks.md
  --release          only the single executable against the script: size and start-up (bench/release.js)
  --release-runs N   start-ups of each (default 20)
  --release-exe FILE measure this executable instead of building one
  --release-mib N    serve a 4-layer archive of N MiB (e.g. 2048) instead of the fixture
  --release-layers N with --release-mib: in N layers instead of 4 (a start's cost grows with the entries)
  --release-count    with --release: main-thread instructions to the listening socket under callgrind, not time;
                     also without V8's hash-seed rehash, which moves each start by up to 20 M (needs nm)
  --push-plan N      only the time to plan a push of N signed images with SBOMs (bench/push-plan.js)
  --seed-exe FILE    measure seed-registry as this single executable, not node bin/seed-registry.js
  --seed-node N      run node bin/seed-registry.js on Node N: a path, or a pinned release line (26)
  --zstd             only the zstd section (bench/zstd.js): decoders against \`zstd -d\`, time to ready
  --zstd-mib N       its image size (default 512); --runs sets its runs
  --ui               only the page's cost when nobody looks (bench/ui.js): manifest req/s with the page and two
                     --no-ui servers (their difference is the noise), --wrk-runs rounds of --wrk-seconds each;
                     with --ui-count, instructions per manifest GET counted under valgrind's callgrind instead
  --talos            only Talos' image cache (bench/talos.js): flat folder and OCI cache image against gzip -dc
  --talos-images N, --talos-mib N   its images and total MiB of layers (default 8, 512); --runs sets its runs
  --memory           run only the memory section (peak RSS, 4 vs --memory-clients pulls; one-stream MiB/s)
  --memory-mib N     its image size, 4 layers (default 256)
  --memory-clients N its concurrent clients (default 64)
  --push             also time seed-registry push of the large image into distribution vs skopeo copy
  --push-only        only that (no servers measured); --push-runs N (default 1)
  --herd             run only the first-boot herd: --herd-nodes containerd pulling one image at once,
                     seed-registry against distribution (results: .bench/herd.json)
  --herd-mib N       herd image size (default 1024), --herd-layers N (default 4)
  --herd-nodes N     (default 8), --herd-runs N (default 1)
  --herd-mode M      pull (ctr images pull: fetch and unpack, default), fetch (ctr content fetch),
                     or curl (curl clients, no containerd: the server's cost with clients never the bottleneck)
  --herd --tls       the herd over HTTPS: distribution on the seed's own --tls-self-signed certificate (bench/herd-tls.js)
  --caps             only the bandwidth caps (bench/caps.js): the rate held by --max-bandwidth and by
                     --max-client-bandwidth with --caps-clients pulling, and manifest latency meanwhile
  --caps-seed-mib N, --caps-client-mib N, --caps-seconds N, --caps-clients N   (default 32, 4, 30, 8)
  --tiered           only seed → distribution pull-through caches → nodes (bench/tiered.js, as root): wall time and
                     seed egress straight from the seed, through cold caches, through warm caches
  --tiered-nodes N, --tiered-caches N, --tiered-mib N   (default 8, 2, 32: MiB per image, 2 images)
  --live             only live content (bench/live.js): mv → first 200 for a small and a large archive,
                     a pull loop with 20 swaps against without
  --live-small-mib N, --live-large-mib N (0 skips it), --live-runs N, --live-seconds N, --live-clients N
                     (default 2, 2048, 3, 10, 4)`;

const NUMBERS = {
  'small-mib': 2, 'large-mib': 2048, 'large-layers': 4, 'crane-mib': 1024, 'crane-layers': 4, 'gzip-level': 0,
  ...MEMORY_DEFAULTS, runs: 5, 'ready-runs': 5, 'release-runs': 20, 'import-runs': 3, 'wrk-runs': 3, 'wrk-seconds': 10, connections: 16, 'pull-runs': 1, 'push-runs': 1,
  'folder-archives': 20, 'folder-mib': 8, 'folder-runs': 3,
  'herd-mib': 1024, 'herd-layers': 4, 'herd-nodes': 8, 'herd-runs': 1,
  ...CAPS_DEFAULTS,
  ...TIERED_DEFAULTS,
  'live-small-mib': 2, 'live-large-mib': 2048, 'live-runs': 3, 'live-seconds': 10, 'live-clients': 4,
};

function parseOptions(argv) {
  const options = Object.fromEntries(Object.keys(NUMBERS).map((k) => [k, { type: 'string' }]));
  const { values } = parseArgs({
    args: argv,
    options: { ...options, peers: { type: 'string' }, pulls: { type: 'boolean' }, push: { type: 'boolean' }, 'push-only': { type: 'boolean' }, folder: { type: 'boolean' }, 'images-dir': { type: 'string' },
      out: { type: 'string' }, 'no-docs': { type: 'boolean' }, help: { type: 'boolean' },
      release: { type: 'boolean' }, 'release-exe': { type: 'string' }, 'release-mib': { type: 'string' }, 'release-count': { type: 'boolean' }, 'release-layers': { type: 'string' }, 'push-plan': { type: 'string' }, 'seed-exe': { type: 'string' }, 'seed-node': { type: 'string' }, signed: { type: 'boolean' },
      zstd: { type: 'boolean' }, 'zstd-mib': { type: 'string' }, talos: { type: 'boolean' }, 'talos-images': { type: 'string' }, 'talos-mib': { type: 'string' }, memory: { type: 'boolean' }, ui: { type: 'boolean' }, 'ui-count': { type: 'boolean' },
      tls: { type: 'boolean' }, 'tls-only': { type: 'boolean' }, herd: { type: 'boolean' }, 'herd-mode': { type: 'string' }, caps: { type: 'boolean' }, tiered: { type: 'boolean' }, live: { type: 'boolean' } },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  // Read by bench/peers.js wherever a seed is started.
  if (values['seed-exe']) process.env.SEED_REGISTRY_BENCH_EXE = resolve(values['seed-exe']);
  if (values['seed-node']) process.env.SEED_REGISTRY_BENCH_NODE = values['seed-node'];
  const n = {};
  for (const [key, fallback] of Object.entries(NUMBERS)) {
    const value = values[key] === undefined ? fallback : Number(values[key]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${key}: expected a whole number, got ${values[key]}`);
    n[key] = value;
  }
  const peers = (values.peers ?? 'seed-registry,distribution,nginx').split(',');
  const byName = Object.fromEntries(Object.values(PEERS).map((p) => [p.name, p]));
  for (const p of peers) if (!byName[p]) throw new Error(`--peers: unknown server ${p}`);
  return {
    sizes: n, peers: peers.map((p) => byName[p]), pulls: Boolean(values.pulls), imagesDir: values['images-dir'], memoryOnly: Boolean(values.memory),
    push: Boolean(values.push || values['push-only']), pushOnly: Boolean(values['push-only']), folder: Boolean(values.folder),
    tls: Boolean(values.tls || values['tls-only']), tlsOnly: Boolean(values['tls-only']),
    herd: Boolean(values.herd), signed: Boolean(values.signed), herdMode: values['herd-mode'] ?? 'pull', caps: Boolean(values.caps), tiered: Boolean(values.tiered), live: Boolean(values.live),
    out: resolve(values.out ?? join(ROOT, '.bench/results.json')), docs: !values['no-docs'],
    runs: Math.max(1, n.runs), readyRuns: Math.max(1, n['ready-runs']), importRuns: Math.max(1, n['import-runs']),
    wrkRuns: Math.max(1, n['wrk-runs']), pullRuns: Math.max(1, n['pull-runs']),
    release: { only: Boolean(values.release), count: Boolean(values['release-count']), runs: Math.max(1, n['release-runs']), executable: values['release-exe'], mib: Number(values['release-mib'] ?? 0), layers: Number(values['release-layers'] ?? 4) },
    wrk: { seconds: Math.max(1, n['wrk-seconds']), connections: Math.max(1, n.connections) },
    zstd: values.zstd ? { mib: Number(values['zstd-mib'] ?? 512), runs: Math.max(1, n.runs) } : undefined,
    ui: Boolean(values.ui),
    pushPlan: values['push-plan'] === undefined ? undefined : Number(values['push-plan']),
    uiCount: Boolean(values['ui-count']),
    talos: values.talos ? { images: Number(values['talos-images'] ?? 8), mib: Number(values['talos-mib'] ?? 512), runs: Math.max(1, n.runs) } : undefined,
  };
}

async function generateImages(opts, dir, tmpDir) {
  const { sizes } = opts;
  const specs = {
    small: { format: 'docker-save-legacy', name: 'bench/small:latest', layerCount: 2, layerMiB: Math.max(1, Math.round(sizes['small-mib'] / 2)) },
    large: { format: 'docker-save-legacy', name: 'bench/large:latest', layerCount: sizes['large-layers'], layerMiB: Math.round(sizes['large-mib'] / sizes['large-layers']) },
    crane: { format: 'crane-tarball', name: 'bench/crane:latest', layerCount: sizes['crane-layers'], layerMiB: Math.round(sizes['crane-mib'] / Math.max(1, sizes['crane-layers'])) },
  };
  if (sizes['crane-mib'] === 0) delete specs.crane;
  const images = {};
  for (const [key, spec] of Object.entries(specs)) {
    const t0 = performance.now();
    const file = join(dir, `${key}-${spec.layerCount}x${spec.layerMiB}MiB${key === 'crane' ? `-gz${sizes['gzip-level']}` : ''}.tar`);
    images[key] = { key, ...(await ensureImage(file, { ...spec, seed: key, gzipLevel: sizes['gzip-level'], tmpDir })) };
    console.error(`image ${key}: ${file} (${(images[key].size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return images;
}

function render(results) {
  const { images } = results;
  const sizes = Object.values(images).map((i) => `${i.key} ${(i.size / 2 ** 20).toFixed(0)} MiB (${i.format}, ${i.layers.length} layers)`).join(', ');
  const errors = renderErrors(results);
  return [
    `Run: \`${results.command}\``,
    '',
    `Machine: ${renderMachine(results.machine)}`,
    '',
    `Images: ${sizes}.`,
    '',
    renderTable(results),
    '',
    renderFloor(results.nodeFloor),
    '',
    renderTargets(results.targets),
    '',
    renderRelease(results.release),
    ...(results.memory ? ['', renderMemory(results.memory)] : []),
    ...(errors ? ['', 'Errors:', '', errors] : []),
  ].join('\n');
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.zstd) return void console.log(renderZstd(await runZstdBench(opts.zstd)));
  if (opts.talos) return void console.log(renderTalos(await runTalosBench(opts.talos)));
  if (opts.ui && opts.uiCount) return void console.log(renderUiCount(await runUiCount()));
  if (opts.ui) return void console.log(renderUi(await runUiBench({ runs: opts.wrkRuns, ...opts.wrk })));
  if (opts.herd) return runHerd(opts, ROOT);
  if (opts.signed) return void console.log(`Run: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`\n\nMachine: ${renderMachine(describeMachine())}\n\n${renderSigned(await measureSigned({ runs: opts.wrkRuns, wrk: opts.wrk }))}`);
  if (opts.tiered) return void console.log(`Run: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`\n\n${renderTiered(await runTieredBench(opts.sizes))}`);
  if (opts.caps) return void console.log(`Run: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`\n\n${renderCaps(await runCapsBench(opts.sizes))}`);
  const tmpDir = mkdtempSync(join(tmpdir(), 'seed-registry-bench-'));
  const ctx = { tmpDir, nginxRoots: new Set() };
  // --seed-exe: measured as a host has it (bench/installed.js).
  if (process.env.SEED_REGISTRY_BENCH_EXE) process.env.SEED_REGISTRY_BENCH_EXE = installedCopy(process.env.SEED_REGISTRY_BENCH_EXE, tmpDir);
  const cleanup = () => {
    killAllSync();
    rmSync(tmpDir, { recursive: true, force: true });
    if (ctx.clients) rmSync(ctx.clients.dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
  process.once('SIGTERM', () => { cleanup(); process.exit(143); });
  try {
    const imagesDir = opts.imagesDir ? resolve(opts.imagesDir) : join(tmpDir, 'images');
    mkdirSync(imagesDir, { recursive: true });
    if (opts.pushPlan !== undefined) return console.log(await measurePushPlan(opts.pushPlan));
    if (opts.release.only && opts.release.count) return console.log(await countReleaseStart({ ...opts.release, tmpDir, archive: await releaseArchive(opts.release.mib, imagesDir, tmpDir, opts.release.layers) }));
    if (opts.release.only) return console.log(renderRelease(await measureRelease({ ...opts.release, tmpDir, archive: await releaseArchive(opts.release.mib, imagesDir, tmpDir, opts.release.layers) })));
    if (opts.folder) return await runFolder(opts, imagesDir, tmpDir);
    if (opts.live) return await runLive(opts, imagesDir);
    const memory = () => memoryImage(imagesDir, opts.sizes['memory-mib'], tmpDir)
      .then((image) => measureMemory(image, { runs: opts.runs, clients: Math.max(1, opts.sizes['memory-clients']) }, ctx));
    if (opts.memoryOnly) {
      console.log(renderMemory(await memory()));
      return;
    }
    const images = await generateImages(opts, imagesDir, tmpDir);
    if (opts.pushOnly) {
      console.error('push:');
      console.log(renderPush(images.large, await measurePush(images.large, { runs: Math.max(1, opts.sizes['push-runs']), tmpDir })));
      return;
    }
    // Daemon sockets need a short path, so the clients live in their own short temp dir.
    if (opts.pulls) ctx.clients = await startClients(mkdtempSync('/tmp/sb-'));
    if (opts.tlsOnly) return await tlsOnly(opts, images, ctx);
    const servers = {};
    for (const peer of opts.peers) {
      // Gigabytes just written (the images, a peer's import) are flushed to disk in the background
      // for tens of seconds; flush them now so that no server is measured during another's writeback.
      execFileSync('sync');
      console.error(`${peer.name}:`);
      servers[peer.name] = await measurePeer(peer, images, opts, ctx);
    }
    const memoryFigures = opts.peers.includes(PEERS.seed) ? await memory().catch((err) => console.error(`memory: ${err.message}`)) : undefined;
    const push = opts.push ? await measurePush(images.large, { runs: Math.max(1, opts.sizes['push-runs']), tmpDir }) : undefined;
    console.error('node floor:');
    const nodeFloor = await measureNodeFloor(opts.readyRuns);
    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const tls = opts.tls ? await measureTls(images, opts, ctx) : undefined;
    console.error('single executable:');
    const release = await measureRelease({ ...opts.release, tmpDir });
    const results = { command, machine: describeMachine(), options: opts.sizes, images, servers, nodeFloor, release, memory: memoryFigures, tls };
    results.targets = checkTargets(results);
    for (const image of Object.values(results.images)) delete image.manifest;
    const text = render(results) + (push ? `\n\n${renderPush(images.large, push)}` : '') + (tls ? `\n\nTLS and metrics (large image, servers side by side):\n\n${renderTls(tls)}` : '');
    if (push) results.push = push;
    console.log(text);
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    console.error(`results: ${opts.out}`);
    if (opts.docs) writeDocs(join(ROOT, 'docs/benchmarks.md'), text);
  } finally {
    await stopAll();
    rmSync(tmpDir, { recursive: true, force: true });
    if (ctx.clients) rmSync(ctx.clients.dir, { recursive: true, force: true });
  }
}

/**
 * --release-mib: a docker save archive of that size in `layers` layers (default 4; reused from
 * --images-dir); else the fixture.
 */
async function releaseArchive(mib, dir, tmpDir, layers = 4) {
  if (!(mib > 0)) return undefined;
  const layerMiB = Math.max(1 / 64, Math.round((mib / layers) * 64) / 64);
  const path = join(dir, `release-${layers}x${layerMiB}MiB.tar`);
  const image = await ensureImage(path, { format: 'docker-save-legacy', name: 'bench/release:latest', layerCount: layers, layerMiB, seed: 'release', tmpDir });
  return image.path ?? path;
}

async function runFolder(opts, dir, tmpDir) {
  const { sizes } = opts;
  const count = Math.max(1, sizes['folder-archives']);
  const results = await measureFolder({ dir, tmpDir, count, mib: Math.max(1, sizes['folder-mib']), runs: Math.max(1, sizes['folder-runs']), log: console.error });
  console.log(`Run: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`\n\nMachine: ${renderMachine(describeMachine())}\n\n${renderFolder(results)}`);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
}

/** --live: the live-content section alone, printed and written to --out. */
async function runLive(opts, dir) {
  const { sizes } = opts;
  const results = await runLiveBench({ dir, smallMib: sizes['live-small-mib'], largeMib: sizes['live-large-mib'], runs: Math.max(1, sizes['live-runs']), seconds: Math.max(1, sizes['live-seconds']), clients: Math.max(1, sizes['live-clients']) });
  console.log(`Run: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`\n\nMachine: ${renderMachine(describeMachine())}\n\n${renderLive(results)}`);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
}

/** --tls-only: the TLS section alone, printed and written to --out. */
async function tlsOnly(opts, images, ctx) {
  const tls = await measureTls(images, opts, ctx);
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  console.log([`Run: \`${command}\``, '', `Machine: ${renderMachine(describeMachine())}`, '', renderTls(tls)].join('\n'));
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify({ command, tls }, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err.message);
  killAllSync();
  process.exitCode = 1;
});
