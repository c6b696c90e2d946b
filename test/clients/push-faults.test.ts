// `seed-registry push` through a proxy in front of distribution that answers 429 and 503, refuses
// a chunk, cuts an upload mid-body, or refuses a manifest: retried, resumed, restarted, or one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistribution, type Distribution } from './helpers/distribution.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { errorLines, manifestDigest, push, pushJson, SEED_IMAGE } from './helpers/push.js';
import { startSeed } from './helpers/seed.js';
import { requireClients } from './helpers/tools.js';

const NAME = 'library/busybox';
const TAG = 'seed';

let seedDigest: string | undefined;
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await requireClients();
  const seed = await startSeed([SEED_IMAGE]);
  seedDigest = await manifestDigest(seed.url, NAME, TAG);
  await seed.stop();
});
afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
});

describe('push through a misbehaving network', () => {
  let target: Distribution;
  let port: number;
  beforeAll(async () => {
    target = await startDistribution();
    stoppers.push(target.stop);
    port = Number(target.host.split(':')[1]);
  });

  it('waits out 429 (Retry-After) and 503, then succeeds', async () => {
    let refusals = 0;
    const proxy = await startFaultProxy(port, (req) => {
      if (req.method !== 'HEAD' || refusals >= 2) return undefined;
      refusals++;
      return refusals === 1 ? { answer: 429, headers: { 'retry-after': '1' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' } : { answer: 503 };
    });
    stoppers.push(proxy.close);
    const result = await push([SEED_IMAGE], proxy.host, ['--image', NAME, '--concurrency', '1']);
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.log.slice(0, 3)).toEqual([expect.stringMatching(/^GET \/v2\/ 200$/), expect.stringMatching(/HEAD .* 429$/), expect.stringMatching(/HEAD .* 503$/)]);
    expect(await manifestDigest(`http://${target.host}`, NAME, TAG)).toBe(seedDigest);
  });

  it('resumes a chunked upload after a refused chunk from the Range the registry reports', async () => {
    let patches = 0;
    const proxy = await startFaultProxy(port, (req) => {
      // PATCH 1 is the small config blob, 2 the first chunk of the layer: refuse the layer's second.
      if (req.method !== 'PATCH' || ++patches !== 3) return undefined;
      return { answer: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}' };
    });
    stoppers.push(proxy.close);
    const chunk = 256 * 1024;
    const result = await push([SEED_IMAGE], `${proxy.host}/resumed`, ['--image', NAME, '--chunk-size', String(chunk), '--concurrency', '1', '--json']);
    const log = proxy.log.join('\n');
    expect(result.code, `${result.stderr}\n${log}`).toBe(0);
    // The registry reports what it kept (204), and the next PATCH starts there, not at 0.
    expect(log).toMatch(/PATCH \S+ 202\nPATCH (\S+) 503\nGET \1 204\nPATCH \1 202/);
    expect(pushJson(result).results[0]?.resumed).toBe(1);
    expect(await manifestDigest(`http://${target.host}`, `resumed/${NAME}`, TAG)).toBe(seedDigest);
  });

  it('restarts a monolithic upload the registry dropped after a cut', async () => {
    let cut = false;
    const proxy = await startFaultProxy(port, (req) => {
      if (cut || req.method !== 'PUT' || Number(req.headers['content-length']) < 500_000) return undefined;
      cut = true;
      return { cutAfter: 300_000 };
    });
    stoppers.push(proxy.close);
    const result = await push([SEED_IMAGE], `${proxy.host}/restarted`, ['--image', NAME]);
    expect(result.code, result.stderr).toBe(0);
    const log = proxy.log.join('\n');
    // distribution cancels an upload whose monolithic PUT failed: its status is 404, so a new one starts.
    expect(log).toMatch(/PUT \/v2\/restarted\/library\/busybox\/blobs\/uploads\/(\S+) cut\n(?:.*\n)*GET \/v2\/restarted\/library\/busybox\/blobs\/uploads\/\1 404\n(?:.*\n)*POST \S+ 202\n(?:.*\n)*PUT \S+ 201/);
    expect(await manifestDigest(`http://${target.host}`, `restarted/${NAME}`, TAG)).toBe(seedDigest);
  });

  it('a registry refusing the manifest media type is one line naming image, manifest and the error', async () => {
    const proxy = await startFaultProxy(port, (req) =>
      req.method === 'PUT' && req.url?.includes('/manifests/')
        ? { answer: 400, body: '{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"unsupported media type"}]}' }
        : undefined,
    );
    stoppers.push(proxy.close);
    const result = await push([SEED_IMAGE], `${proxy.host}/refused`, ['--image', NAME]);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^seed-registry: push: refused\/library\/busybox:seed: manifest sha256:[0-9a-f]{64} \(application\/vnd\.oci\.image\.manifest\.v1\+json\): the registry refused it: 400 MANIFEST_INVALID manifest invalid \("unsupported media type"\)$/),
    ]);
  });
});
