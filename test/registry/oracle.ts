// The pull oracle: resolve tag → manifest (→ children) → config + layers as a client would,
// re-hash every blob against its digest, and rejoin each blob from ranges.
import { createHash } from 'node:crypto';
import type { Pool } from 'undici';
import { isIndex, MediaType } from '../../src/model.js';

const ACCEPT_ALL = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');
const RANGE_PARTS = 5;

interface Descriptor {
  digest: string;
  size: number;
  mediaType: string;
}

export interface PullResult {
  manifests: string[];
  blobs: string[];
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function get(pool: Pool, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const res = await pool.request({ method: 'GET', path, headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Pulls `name:tag` completely; throws on the first byte that does not match its digest. */
export async function pull(pool: Pool, name: string, tag: string): Promise<PullResult> {
  const result: PullResult = { manifests: [], blobs: [] };
  await pullManifest(pool, name, tag, undefined, result);
  return result;
}

async function pullManifest(pool: Pool, name: string, reference: string, expected: string | undefined, result: PullResult): Promise<void> {
  const res = await get(pool, `/v2/${name}/manifests/${reference}`, { accept: ACCEPT_ALL });
  check(res.status === 200, `manifest ${name}:${reference}: status ${res.status}`);
  const digest = sha256(res.body);
  check(res.headers['docker-content-digest'] === digest, `manifest ${reference}: Docker-Content-Digest is not the body's digest`);
  check(expected === undefined || expected === digest, `manifest ${reference}: digest ${digest}, index says ${expected}`);
  const manifest = JSON.parse(res.body.toString()) as { mediaType: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  check(res.headers['content-type'] === manifest.mediaType, `manifest ${reference}: Content-Type is not its mediaType`);
  result.manifests.push(digest);
  if (isIndex(manifest.mediaType)) {
    for (const child of manifest.manifests ?? []) await pullManifest(pool, name, child.digest, child.digest, result);
    return;
  }
  for (const blob of [manifest.config, ...(manifest.layers ?? [])]) {
    if (blob === undefined) continue;
    await pullBlob(pool, name, blob);
    result.blobs.push(blob.digest);
  }
}

async function pullBlob(pool: Pool, name: string, blob: Descriptor): Promise<void> {
  const path = `/v2/${name}/blobs/${blob.digest}`;
  const whole = await get(pool, path);
  check(whole.status === 200, `blob ${blob.digest}: status ${whole.status}`);
  check(whole.body.length === blob.size, `blob ${blob.digest}: ${whole.body.length} bytes, descriptor says ${blob.size}`);
  check(sha256(whole.body) === blob.digest, `blob ${blob.digest}: bytes do not hash to the digest`);
  if (blob.size === 0) return;
  const parts = await Promise.all(splitRanges(blob.size).map((h) => get(pool, path, { range: h })));
  check(parts.every((p) => p.status === 206), `blob ${blob.digest}: a range was not answered 206`);
  const joined = Buffer.concat(parts.map((p) => p.body));
  check(sha256(joined) === blob.digest, `blob ${blob.digest}: ranges do not rejoin to the blob`);
}

/** `bytes=a-b` pieces and an open `bytes=a-` tail, as resuming clients send them. */
export function splitRanges(size: number, parts = RANGE_PARTS): string[] {
  const step = Math.max(1, Math.ceil(size / parts));
  const headers: string[] = [];
  for (let start = 0; start < size; start += step) {
    const end = start + step - 1;
    headers.push(end >= size - 1 ? `bytes=${start}-` : `bytes=${start}-${end}`);
  }
  return headers;
}
