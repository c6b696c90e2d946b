// The tiered set-up of docs/engines.md, on a LAN of network namespaces: the seed (TLS, its own CA) →
// pull-through caches (Debian's docker-registry, configured by `configure --engine distribution-cache`,
// TLS with a CA of their own) → nodes, each its own small containerd, whose hosts.toml (also from
// configure) tries the rack's cache first and the seed second. Used by tiered.test.ts and by
// `npm run bench -- --tiered`, which adds the same nodes pulling straight from the seed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLegacySave, type BenchImage } from '../../../bench/images.js';
import { ctrPull, type Pulled } from './clients.js';
import { makeCerts } from './certs.js';
import { startContainerd, type Containerd } from './containerd.js';
import { startDaemon, waitUntil, type Daemon } from './daemon.js';
import { createLan, type Lan } from './lan.js';
import { freePort } from './registry-image.js';
import { run, runOk } from './run.js';
import { REPO_ROOT } from './seed.js';
import { REGISTRY_BINARY } from './tools.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const SEED_PORT = 5443;
const CACHE_PORT = 5000;

export interface TieredOptions {
  nodes: number;
  caches: number;
  /** Each image: one layer of this many MiB (incompressible). */
  layerMiB: number;
  /** The seed-registry command (default: this checkout's bin/seed-registry.js); the benchmark runs bundled, elsewhere. */
  bin?: string;
}

export interface TieredImage extends BenchImage {
  /** What nodes pull: the original name. */
  ref: string;
}

export interface Tiered {
  lan: Lan;
  dir: string;
  images: TieredImage[];
  seedCa: string;
  /** The hosts.toml tree of rack r (its cache, then the seed). */
  rackHosts: string[];
  /** The hosts.toml tree of configure --runtime containerd: the seed alone. */
  directHosts: string;
  seed: Daemon;
  caches: Daemon[];
  nodes: Containerd[];
  /** Bytes of blob bodies the seed has sent, from its own /metrics. */
  seedEgress(): Promise<number>;
  /** Every node (or those in `which`) pulls every image at once, node i through `hostsOf(i)`; wall seconds and what each got. */
  pullAll(hostsOf: (node: number) => string, which?: number[]): Promise<{ seconds: number; pulled: Pulled[][] }>;
  startNode(name: string): Promise<Containerd>;
  /** Stops the caches, empties their storage and starts them again: cold. */
  resetCaches(): Promise<void>;
  /** Every node forgets the images and their blobs (ctr images rm --sync), as a fresh node would be. */
  forgetAll(): Promise<void>;
  stop(): Promise<void>;
}

const IMAGE_NAMES = ['docker.io/library/tiered:1', 'registry.k8s.io/tiered/pause:1'];

/** The `server` a mirror falls back to must not exist here: a closed port on the node's own loopback. */
function closeFallbacks(dir: string, closedPort: number): void {
  for (const upstream of readdirSync(dir)) {
    const path = join(dir, upstream, 'hosts.toml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^server = .*$/m, `server = "https://127.0.0.1:${closedPort}"`));
  }
}

export async function startTiered(options: TieredOptions): Promise<Tiered> {
  const bin = options.bin ?? BIN;
  const dir = mkdtempSync('/tmp/sr-tier-');
  const cacheHosts = Array.from({ length: options.caches }, (_, i) => `cache${i + 1}`);
  const nodeHosts = Array.from({ length: options.nodes + 1 }, (_, i) => `node${i + 1}`);
  const images = IMAGE_NAMES.map((name, i) => ({ ...writeLegacySave(join(dir, `image${i}.tar`), { name, layerCount: 1, layerMiB: options.layerMiB, seed: `tiered${i}` }), ref: name }));
  const lan = await createLan(['seed', ...cacheHosts, ...nodeHosts]);
  const daemons: Daemon[] = [];
  const nodes: Containerd[] = [];
  const caches: Daemon[] = [];
  const stop = async () => {
    for (const n of nodes) await n.stop().catch((e: unknown) => console.error(e));
    for (const d of [...daemons, ...caches]) await d.stop().catch((e: unknown) => console.error(e));
    await lan.remove();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const seedAddress = `${lan.address.seed}:${SEED_PORT}`;
    const seedArgs = [bin, ...images.flatMap((i) => ['--tar', i.path]), '--host', lan.address.seed!, '--port', String(SEED_PORT), '--tls-self-signed', join(dir, 'tls'), '--advertise', seedAddress, '--quiet'];
    const seed = startDaemon(...lan.inside('seed', process.execPath, seedArgs), join(dir, 'seed.log'));
    daemons.push(seed);
    await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed.log()), 60_000, seed);
    const seedCa = join(dir, 'tls/ca.crt');
    const certs = await makeCerts(mkdirP(join(dir, 'cache-certs')), cacheHosts.map((h) => `IP:${lan.address[h]}`));
    const closedPort = await freePort();
    const configure = async (out: string, args: string[]) => {
      await runOk(process.execPath, [bin, 'configure', ...images.flatMap((i) => ['--tar', i.path]), '--registry', seedAddress, '--ca', seedCa, '--out', out, ...args]);
      return out;
    };
    const rackHosts: string[] = [];
    const cacheConfigs: string[] = [];
    for (const [r, host] of cacheHosts.entries()) {
      const cache = `${lan.address[host]}:${CACHE_PORT}`;
      const out = await configure(join(dir, `rack${r + 1}`), ['--engine', 'distribution-cache', '--cache', cache, '--cache-ca', certs.ca]);
      closeFallbacks(join(out, 'nodes/certs.d'), closedPort);
      rackHosts.push(join(out, 'nodes/certs.d'));
      cacheConfigs.push(join(out, 'caches', cache));
    }
    const startCaches = async () => {
      for (const [r, host] of cacheHosts.entries()) caches.push(await startCache(lan, host, cacheConfigs[r]!, certs, seedCa, dir));
    };
    await startCaches();
    const directHosts = await configure(join(dir, 'direct'), ['--runtime', 'containerd']);
    closeFallbacks(directHosts, closedPort);
    const startNode = async (name: string) => {
      const node = await startContainerd(mkdirP(join(dir, name)), lan.wrap(name));
      nodes.push(node);
      return node;
    };
    for (const name of nodeHosts.slice(0, options.nodes)) await startNode(name);
    return {
      lan, dir, images, seedCa, rackHosts, directHosts, seed, caches, nodes: [...nodes], startNode, stop,
      seedEgress: () => seedBlobBytes(lan, 'seed', seedCa, seedAddress),
      async resetCaches() {
        for (const cache of caches.splice(0)) await cache.stop();
        for (const host of cacheHosts) rmSync(join(dir, host, 'data'), { recursive: true, force: true });
        await startCaches();
      },
      async forgetAll() {
        await Promise.all(nodes.slice(0, options.nodes).map((node) => node.ctr(['images', 'rm', '--sync', ...images.map((i) => i.ref)])));
      },
      async pullAll(hostsOf, which = [...Array(options.nodes).keys()]) {
        const started = performance.now();
        const pulled = await Promise.all(which.map(async (i) => {
          const node = nodes[i]!;
          const got: Pulled[] = [];
          for (const image of images) got.push(await ctrPull(node, image.ref, { https: true, extraArgs: ['--hosts-dir', hostsOf(i)] }));
          return got;
        }));
        return { seconds: (performance.now() - started) / 1000, pulled };
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function mkdirP(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/**
 * A cache from configure's config.yml, with this machine's paths for its storage and certificate; the
 * seed's CA reaches its proxy client through SSL_CERT_FILE, as the config's comment says.
 */
async function startCache(lan: Lan, host: string, configDir: string, certs: { cert: string; key: string; ca: string }, seedCa: string, dir: string): Promise<Daemon> {
  const config = readFileSync(join(configDir, 'config.yml'), 'utf8')
    .replace(/rootdirectory: .*/, `rootdirectory: ${join(dir, host, 'data')}`)
    .replace(/certificate: .*/, `certificate: ${certs.cert}`)
    .replace(/key: .*tls\.key/, `key: ${certs.key}`);
  const path = join(mkdirP(join(dir, host)), 'config.yml');
  writeFileSync(path, config);
  const daemon = startDaemon(...lan.inside(host, 'env', [`SSL_CERT_FILE=${seedCa}`, REGISTRY_BINARY, 'serve', path]), join(dir, host, 'registry.log'));
  const url = `https://${lan.address[host]}:${CACHE_PORT}/v2/`;
  await waitUntil(`cache ${host}`, async () => (await run(...lan.inside(host, 'curl', ['-fsS', '--cacert', certs.ca, url]))).code === 0, 30_000, daemon);
  return daemon;
}

/** Blob body bytes the seed at `address` has sent, from its own /metrics, asked from inside `host`'s namespace. */
export async function seedBlobBytes(lan: Lan, host: string, ca: string, address: string): Promise<number> {
  const text = await runOk(...lan.inside(host, 'curl', ['-fsS', '--cacert', ca, `https://${address}/metrics`]));
  const m = /^seed_registry_blob_bytes_served_total (\d+)$/m.exec(text);
  if (!m) throw new Error(`no seed_registry_blob_bytes_served_total in /metrics:\n${text.slice(0, 500)}`);
  return Number(m[1]);
}

/** Resident memory of a process, MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
