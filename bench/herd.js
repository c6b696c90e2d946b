// The thundering herd of a first boot: N containerd instances (8 by default), each with its own root,
// all pulling the same large image from one server at once; the figure is the wall time until every
// pull is done. seed-registry against distribution serving the same bytes, in the same run, one
// server at a time, fresh containerd roots for every run (nothing cached between them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuSeconds, execFileAsync, freePort, start, stop } from './proc.js';
import { waitFor200 } from './http.js';
import { seed } from './peers.js';
import { summarize } from './stats.js';
import { writeDistributionStorage } from './distribution-storage.js';
import { tlsPeers } from './herd-tls.js';
import { CORES, childTimes, herdMeter } from './herd-cpu.js';
import { curlHerd } from './herd-curl.js';

const READY_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 30 * 60_000;
const NAMESPACE = 'seed-herd';
const DISABLED_PLUGINS = ['io.containerd.grpc.v1.cri', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper'];
const log = (...parts) => console.error('  ', ...parts);

async function startNode(dir) {
  const config = join(dir, 'containerd.toml');
  writeFileSync(config, [
    'version = 2', `root = "${join(dir, 'root')}"`, `state = "${join(dir, 'state')}"`, `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
    '[grpc]', `  address = "${join(dir, 'c.sock')}"`, '[ttrpc]', `  address = "${join(dir, 'c.sock.ttrpc')}"`,
    '[debug]', `  address = "${join(dir, 'd.sock')}"`, '[plugins."io.containerd.internal.v1.opt"]', `  path = "${join(dir, 'opt')}"`, '',
  ].join('\n'));
  const proc = start('containerd', ['--config', config], { name: 'containerd' });
  const ctr = (args) => execFileAsync('ctr', ['-a', join(dir, 'c.sock'), '-n', NAMESPACE, ...args], { timeout: PULL_TIMEOUT_MS, maxBuffer: 16 << 20 });
  // The pull itself through sh, whose `times` (POSIX) then prints the CPU its child ctr used.
  const timed = (args) => execFileAsync('sh', ['-c', 'ctr "$@" > /dev/null && times', 'sh', '-a', join(dir, 'c.sock'), '-n', NAMESPACE, ...args], { timeout: PULL_TIMEOUT_MS })
    .then(({ stdout }) => childTimes(stdout));
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (!(await ctr(['version']).then(() => true, () => false))) {
    if (proc.exited || performance.now() > deadline) throw new Error(`containerd in ${dir} not ready\n${proc.output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { proc, ctr, timed };
}

const distribution = {
  name: 'distribution',
  async start(image, tmpDir) {
    const dir = join(tmpDir, 'herd-distribution');
    rmSync(dir, { recursive: true, force: true });
    await writeDistributionStorage(image, join(dir, 'storage'));
    const port = await freePort();
    writeFileSync(join(dir, 'config.yml'), ['version: 0.1', 'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} }, cache: { blobdescriptor: inmemory } }`, `http: { addr: 127.0.0.1:${port} }`, ''].join('\n'));
    const proc = start('docker-registry', ['serve', join(dir, 'config.yml')], { name: 'distribution' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(`${base}/v2/${image.repository}/manifests/${image.tag}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' }, deadline: performance.now() + READY_TIMEOUT_MS, proc });
    return { base, pid: proc.pid, stop: () => stop(proc) };
  },
};

// `pull` is what a first boot does (fetch, verify, unpack); `fetch` stops at the content store, so the
// figure is the server and the transfer, without the nodes' unpacking (which dominates on few cores).
const COMMANDS = { pull: ['images', 'pull', '--plain-http'], fetch: ['content', 'fetch', '--plain-http'], curl: [] };
/** What the nodes run, in the log and the report. */
const NODES = {
  pull: (n) => `${n} containerd instances, \`ctr images pull\` (fetch and unpack)`,
  fetch: (n) => `${n} containerd instances, \`ctr content fetch\` (into the content store, no unpack)`,
  curl: (n) => `${n} curl clients, each fetching every layer at once into /dev/null (no containerd)`,
};

/**
 * The ctr command of a herd node: plain HTTP, or HTTPS verified against `ca`. containerd 1.6 talks
 * plain HTTP to a 127.0.0.1 registry unless a hosts.toml names its server https://, so one is written.
 */
function pullCommand(mode, server, ca, dir) {
  if (ca === undefined) return COMMANDS[mode];
  const host = server.base.replace(/^https:\/\//, '');
  const hostsDir = join(dir, 'hosts');
  mkdirSync(join(hostsDir, host), { recursive: true });
  writeFileSync(join(hostsDir, host, 'hosts.toml'), `server = "${server.base}"\n\n[host."${server.base}"]\n  capabilities = ["pull", "resolve"]\n  ca = "${ca}"\n`);
  return [...COMMANDS[mode].filter((a) => a !== '--plain-http'), '--hosts-dir', hostsDir];
}

/** One herd: fresh nodes, then all pull at once; seconds until the last one is done, and each node's. */
async function herdOnce(server, image, nodes, mode, ca) {
  const dirs = Array.from({ length: nodes }, () => mkdtempSync('/tmp/sh-'));
  const started = [];
  try {
    for (const dir of dirs) started.push(await startNode(dir));
    const ref = `${server.base.replace(/^https?:\/\//, '')}/${image.repository}:${image.tag}`;
    const command = pullCommand(mode, server, ca, dirs[0]);
    const t0 = performance.now();
    const meter = herdMeter(server.pid, started.map((node) => node.proc.pid));
    const ctrSeconds = [];
    const each = await Promise.all(started.map(async (node) => {
      ctrSeconds.push(await node.timed([...command, ref]));
      return (performance.now() - t0) / 1000;
    }));
    const wall = (performance.now() - t0) / 1000;
    const used = meter.end(ctrSeconds.reduce((a, b) => a + b, 0));
    return { wall, each, cpu: used.server, used };
  } finally {
    for (const node of started) await stop(node.proc);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Runs the herd against seed-registry and distribution, `runs` times each, alternating. */
export async function measureHerd(image, { nodes, runs, tmpDir, mode = 'pull', tls = false }) {
  if (!COMMANDS[mode]) throw new Error(`--herd-mode: expected pull, fetch or curl, got ${mode}`);
  const secure = tls ? tlsPeers(join(tmpDir, 'herd-tls')) : undefined;
  const peers = secure?.peers ?? [seed, distribution];
  const samples = Object.fromEntries(peers.map((p) => [p.name, []]));
  const cpu = Object.fromEntries(peers.map((p) => [p.name, []]));
  const usage = Object.fromEntries(peers.map((p) => [p.name, []]));
  for (let run = 0; run < runs; run++) {
    for (const peer of peers) {
      await execFileAsync('sync');
      const server = await peer.start(image, tmpDir);
      try {
        const once = mode === 'curl' ? curlHerd(server, image, nodes, secure?.ca) : herdOnce(server, image, nodes, mode, secure?.ca);
        const { wall, each, cpu: seconds, used } = await once;
        samples[peer.name].push(wall);
        cpu[peer.name].push(seconds);
        usage[peer.name].push(used);
        log(`${peer.name} herd ${run + 1}: ${NODES[mode](nodes)}, all done in ${wall.toFixed(1)} s (each ${each.map((s) => s.toFixed(1)).join(', ')} s), ` +
          `CPU s: server ${seconds.toFixed(1)}, nodes ${used.nodes.toFixed(1)}, machine ${used.machine.toFixed(1)} of ${(wall * CORES).toFixed(1)}; ` +
          `server main thread waited for a CPU ${used.serverWait.toFixed(1)} s (${used.serverSlices} slices)`);
      } finally {
        await server.stop();
      }
    }
  }
  const of = (name, key) => summarize(usage[name].map((u) => u[key]));
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, {
    ...summarize(s), cpu: summarize(cpu[name]), nodes: of(name, 'nodes'), machine: of(name, 'machine'), serverWait: of(name, 'serverWait'), cores: CORES,
  }]));
}

function row(name, r, mibTotal) {
  const fmt = (s) => `${s.median.toFixed(1)} s (${s.min.toFixed(1)}–${s.max.toFixed(1)}, ${s.runs} run${s.runs === 1 ? '' : 's'})`;
  const s = (x) => (x === undefined ? 'n/a' : `${x.median.toFixed(1)} s`);
  return `| ${name} | ${fmt(r)} | ${(mibTotal / r.median).toFixed(0)} MiB/s | ${fmt(r.cpu)} | ${s(r.nodes)} | ${s(r.machine)} | ${s(r.serverWait)} |`;
}

/**
 * Whatever the server, the nodes' own CPU has to fit on the machine's CPUs: a server that cost
 * nothing would still need nodes' CPU / CPUs of wall time. Set beside 0.9x distribution's time.
 */
function floorLine(seedRun, distRun) {
  if (seedRun.nodes === undefined) return '';
  const floor = Math.min(seedRun.nodes.median, distRun.nodes.median) / seedRun.cores;
  return `Floor: the nodes alone used ${seedRun.nodes.median.toFixed(1)} s (seed-registry's herds) and ${distRun.nodes.median.toFixed(1)} s (distribution's) of CPU, ` +
    `so on ${seedRun.cores} CPUs no server finishes under ${floor.toFixed(1)} s (${(floor / distRun.median).toFixed(2)}x distribution's wall time) here.`;
}

export function renderHerd(results, image, nodes, mode = 'pull', tls = false) {
  const [seedWall, distWall] = [results['seed-registry'], results.distribution];
  const mib = image.size / 2 ** 20;
  return [
    `First-boot herd: ${NODES[mode](nodes)} of one ${mib.toFixed(0)} MiB image ` +
      `(${image.layers.length} uncompressed layers) at once, over ${tls ? 'HTTPS (both servers on the seed\'s --tls-self-signed certificate, verified by the nodes)' : 'plain HTTP'} on loopback; wall time until all are done.`,
    '',
    `CPU seconds (user + system) over the herd, medians: the server's; the nodes' (containerd and ctr, or curl); the machine's (${seedWall.cores} CPUs, everything running on it); and how long the server's main thread was runnable but waiting for a CPU.`,
    '',
    '| server | all done | aggregate served | server CPU | nodes CPU | machine busy | server main thread waiting |',
    '|---|---|---|---|---|---|---|',
    row('seed-registry', seedWall, mib * nodes),
    row('distribution', distWall, mib * nodes),
    '',
    `seed-registry / distribution wall time: ${(seedWall.median / distWall.median).toFixed(2)}.`,
    floorLine(seedWall, distWall),
  ].join('\n');
}
