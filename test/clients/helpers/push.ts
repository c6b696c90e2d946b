// Runs `seed-registry push` (the real binary) and reads what a registry resolves a reference to.
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { run, type RunResult } from './run.js';

const BIN = fileURLToPath(new URL('../../../bin/seed-registry.js', import.meta.url));
export const SEED_IMAGE = fileURLToPath(new URL('../../../fixtures/seed-image.tar', import.meta.url));

export function push(tars: string[], to: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [BIN, 'push', ...tars.flatMap((t) => ['--tar', t]), '--to', to, ...args], { env, timeoutMs: 180_000 });
}

export interface PushJson {
  blobs: { uploaded: number; present: number; mounted: number };
  results: { repository: string; digest: string; tags: string[]; blobs: { uploaded: number; present: number; mounted: number }; resumed: number }[];
  verified: { reference: string; expected: string; found?: string }[];
}

export function pushJson(result: RunResult): PushJson {
  if (result.code !== 0) throw new Error(`push exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as PushJson;
}

/** The stderr lines that are not warnings: a failed push must say why in exactly one. */
export function errorLines(result: RunResult): string[] {
  return result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('warning:'));
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** Docker-Content-Digest of HEAD /v2/NAME/manifests/REF on `origin` (seed or target), anonymous. */
export async function manifestDigest(origin: string, name: string, reference: string, authorization?: string): Promise<string | undefined> {
  const headers: Record<string, string> = { accept: ACCEPT };
  if (authorization) headers.authorization = authorization;
  const res = await request(`${origin}/v2/${name}/manifests/${reference}`, { method: 'HEAD', headers, dispatcher: insecure });
  await res.body.dump();
  if (res.statusCode !== 200) return undefined;
  const digest = res.headers['docker-content-digest'];
  return Array.isArray(digest) ? digest[0] : digest;
}
