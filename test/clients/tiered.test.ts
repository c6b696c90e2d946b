// The seed behind pull-through caches, proven with a real engine: Debian's docker-registry (2.8) as two
// rack caches configured by `configure --engine distribution-cache`, 8 nodes each with its own
// containerd pulling at once by original names over TLS, through hosts.toml files that try the rack's
// cache first and the seed second. The seed's own /metrics count the blob bytes it sent. With the seed
// stopped, a 9th node still pulls from a cache. Everything lives in network namespaces of this test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { netnsUnavailable } from './helpers/lan.js';
import { rssMiB, startTiered, type Tiered } from './helpers/tiered.js';

const NODES = 8;
const CACHES = 2;
const LAYER_MIB = 8;

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`tiered.test.ts SKIPPED: network namespaces cannot be made here: ${unavailable}`);

let t: Tiered;
const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const expectedOf = (t: Tiered) => t.images.map((image) => ({ configDigest: image.config.digest, diffIds: image.layers.map((l) => l.digest) }));

describe.skipIf(unavailable !== undefined)(`seed → ${CACHES} distribution caches → ${NODES} containerd nodes`, () => {
  let oneCopy = 0;
  beforeAll(async () => {
    t = await startTiered({ nodes: NODES, caches: CACHES, layerMiB: LAYER_MIB });
    oneCopy = t.images.reduce((sum, image) => sum + image.size, 0);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('cold caches: every node pulls every image at once by its original name, with the archive\'s digests', async () => {
    const before = await t.seedEgress();
    const { seconds, pulled } = await t.pullAll((i) => t.rackHosts[i % CACHES]!);
    const egress = (await t.seedEgress()) - before;
    for (const got of pulled) expect(got).toEqual(expectedOf(t));
    const rss = t.nodes.map((n) => rssMiB(n.daemon.pid));
    console.log(`tiered, cold caches: ${NODES} nodes pulled ${MiB(oneCopy)} MiB of blobs each in ${seconds.toFixed(1)} s; seed egress ${MiB(egress)} MiB = ${(egress / oneCopy).toFixed(2)} copies; containerd RSS ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MiB each`);
    // Every cache fetched each blob at least once. distribution 2.8 fetches a missing blob twice (one
    // copy to store, one to answer) and sends every request that arrives while it is in flight to the
    // upstream as well (registry/proxy/proxyblobstore.go ServeBlob, `inflight`), so a herd on cold
    // caches costs the seed about what it would cost without them.
    expect(egress).toBeGreaterThanOrEqual(oneCopy * CACHES * 0.99);
  });

  it('warm caches: the same herd again costs the seed no blob bytes', async () => {
    await t.forgetAll();
    const before = await t.seedEgress();
    const { seconds, pulled } = await t.pullAll((i) => t.rackHosts[i % CACHES]!);
    const egress = (await t.seedEgress()) - before;
    for (const got of pulled) expect(got).toEqual(expectedOf(t));
    console.log(`tiered, warm caches: ${NODES} nodes pulled again in ${seconds.toFixed(1)} s; seed egress ${MiB(egress)} MiB`);
    expect(egress).toBe(0);
  });

  it('the caches keep serving with the seed stopped: a 9th node pulls from its cache', async () => {
    await t.seed.stop();
    const node = await t.startNode(`node${NODES + 1}`);
    const got = [];
    for (const image of t.images) got.push(await ctrPull(node, image.ref, { https: true, extraArgs: ['--hosts-dir', t.rackHosts[0]!] }));
    expect(got).toEqual(expectedOf(t));
  });
});
