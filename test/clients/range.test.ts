// Interrupted pulls: a client reads half a layer, drops the connection, and resumes with `Range: bytes=N-`.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { buildWithData, dockerSave, importBusybox } from './helpers/images.js';
import { startSeed, type Seed } from './helpers/seed.js';

const LAYER_BYTES = 8 * 1024 * 1024;
const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

let env: ClientEnv;
let seed: Seed;
let layer: { digest: string; size: number };

beforeAll(async () => {
  env = await startClientEnv();
  await importBusybox(env.docker, env.dir, 'seed/range-base:1');
  await buildWithData(env.docker, env.dir, 'seed/range-base:1', 'seed/range:1', LAYER_BYTES);
  seed = await startSeed([await dockerSave(env.docker, join(env.dir, 'range.tar'), ['seed/range:1'])]);
  const res = await request(`${seed.url}/v2/seed/range/manifests/1`, { headers: { accept: MANIFEST_ACCEPT } });
  const manifest = (await res.body.json()) as { layers: { digest: string; size: number }[] };
  const largest = [...manifest.layers].sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error('manifest lists no layer');
  layer = largest;
});
afterAll(async () => {
  await seed?.stop();
  await env?.stop();
});

/** Reads the blob until at least `n` bytes arrived, then drops the connection as a killed client would. */
async function readThenDrop(url: string, n: number): Promise<Buffer> {
  const { statusCode, body } = await request(url);
  expect(statusCode).toBe(200);
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
    if (got >= n) break; // leaving the loop destroys the body mid-transfer
  }
  return Buffer.concat(chunks).subarray(0, n);
}

describe('GET /v2/<name>/blobs/<digest> resumed with Range', () => {
  it.each([0.5, 0.123457])('drops after %s of the layer and resumes from there', async (fraction) => {
    expect(layer.size).toBeGreaterThan(LAYER_BYTES);
    const url = `${seed.url}/v2/seed/range/blobs/${layer.digest}`;
    const offset = Math.floor(layer.size * fraction);
    const head = await readThenDrop(url, offset);

    const rest = await request(url, { headers: { range: `bytes=${offset}-` } }).catch((err: Error) => {
      throw new Error(`resumed GET failed: ${err.message}\nseed-registry output:\n${seed.output().slice(-1500)}`);
    });
    expect(rest.statusCode).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes ${offset}-${layer.size - 1}/${layer.size}`);
    expect(Number(rest.headers['content-length'])).toBe(layer.size - offset);
    const tail = Buffer.from(await rest.body.arrayBuffer());

    const whole = Buffer.concat([head, tail]);
    expect(whole.length).toBe(layer.size);
    expect(`sha256:${createHash('sha256').update(whole).digest('hex')}`).toBe(layer.digest);
  });
});
