// Live content under test: archives written at test time into a watched folder, and a registry
// serving that folder through serveContent (the same wiring as `seed-registry serve`), in process.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { serveContent, type ContentOptions, type Serving } from '../../src/registry/content.js';
import type { Logger } from '../../src/registry/log.js';
import type { RegistryOptions } from '../../src/registry/server.js';
import { type PackEntry, packTar } from '../helpers/pack.js';
import { patterned } from './model.js';

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Archive {
  repoTag: string;
  /** Every blob (config, layers) by digest. */
  blobs: Map<string, Buffer>;
  entries: PackEntry[];
}

/**
 * A docker-save (legacy) archive of one image: a config and `layers` layers of `layerSize` patterned
 * bytes, different for each `seed`. Two seeds with the same sizes put their blobs at the same
 * offsets, so bytes read at an old index's offsets from a rewritten file are wrong, not short.
 */
export function imageArchive(repoTag: string, seed: number, layers = 2, layerSize = 256 * 1024): Archive {
  const data = Array.from({ length: layers }, (_, i) => patterned(layerSize, seed * 100 + i + 1));
  const diffIds = data.map(sha256);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: [`SEED=${String(seed).padStart(8, '0')}`] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const hexOf = (d: string) => d.slice(7);
  const entries: PackEntry[] = [
    { name: `${hexOf(sha256(config))}.json`, data: config },
    ...data.map((d) => ({ name: `${hexOf(sha256(d))}/layer.tar`, data: d })),
    { name: 'manifest.json', data: [{ Config: `${hexOf(sha256(config))}.json`, RepoTags: [repoTag], Layers: data.map((d) => `${hexOf(sha256(d))}/layer.tar`) }] },
  ];
  const blobs = new Map([config, ...data].map((b) => [sha256(b), b]));
  return { repoTag, blobs, entries };
}

/** Writes `archive` at `path` the documented way: a dot-file beside it, then renamed into place. */
export async function dropIn(path: string, archive: Archive): Promise<void> {
  const dot = join(path, '..', `.${path.split('/').pop()}`);
  await packTar(dot, archive.entries);
  renameSync(dot, path);
}

/** The bytes of `archive` as a tar (to write in place, or slowly). */
export async function archiveBytes(dir: string, archive: Archive): Promise<Buffer> {
  const scratch = join(dir, `.scratch-${Math.random().toString(36).slice(2)}.part`);
  await packTar(scratch, archive.entries);
  const bytes = readFileSync(scratch);
  rmSync(scratch);
  return bytes;
}

export interface LiveServer extends Serving {
  pool: Pool;
  base: string;
  info: string[];
  warnings: string[];
  errors: string[];
  stop(): Promise<void>;
}

export async function startLive(tars: string[], o: Partial<ContentOptions> = {}, registry: RegistryOptions = {}, connections = 8): Promise<LiveServer> {
  const info: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: Logger = { logsAccess: false, access() {}, event() {}, info: (l) => info.push(l), warn: (l) => warnings.push(l), error: (l) => errors.push(l) };
  // Replaced snapshots answer by digest for half a second (60 s when serving), so tests see them go.
  const serving = await serveContent({ tars, settleMs: 100, rescanMs: 250, ...o }, { pullGraceMs: 500, ...registry, logger });
  const { port } = await serving.registry.listen(0, '127.0.0.1');
  serving.live.start();
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool(base, { connections });
  return {
    ...serving,
    pool,
    base,
    info,
    warnings,
    errors,
    stop: async () => {
      serving.live.stop();
      await serving.live.idle();
      await pool.close();
      await serving.registry.close(1_000);
    },
  };
}

/** Polls `check` until it returns true, or fails naming `what` after `ms`. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

/** Status of GET manifest `name:tag`, and the digest of its body. */
export async function manifestOf(pool: Pool, name: string, tag: string): Promise<{ status: number; digest?: string; body: Buffer }> {
  const res = await pool.request({ method: 'GET', path: `/v2/${name}/manifests/${tag}`, headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, body, ...(res.statusCode === 200 && { digest: sha256(body) }) };
}

export function writeGarbage(path: string): void {
  // Looks like a tar (a ustar header) but ends in the middle of its first entry.
  const header = Buffer.alloc(512);
  header.write('manifest.json');
  header.write('0000644\0', 100);
  header.write('00000010000\0', 124);
  header.write('ustar\0', 257);
  writeFileSync(path, Buffer.concat([header, Buffer.alloc(100, 1)]));
}
