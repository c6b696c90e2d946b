// The newest `created` time among the served images' configs (OCI image-spec config.md: "created",
// an RFC 3339 date-time; docker's config has the same field). An image cannot have been built after
// "now": a host clock earlier than that is wrong (src/clock.ts). Configs are small; each is
// read once, at start, from where its bytes already live: before the seed listens, when nothing
// waits on the event loop, so with blocking system calls and one open per file (an airgap bundle's
// hundred configs were three round trips each through libuv's thread pool).
import { closeSync, openSync, readSync } from 'node:fs';
import { beforeBlockingCall } from '../source/file-handle.js';
import { isObject } from './config.js';
import { isManifest, type ImageModel, type Source } from '../model.js';

/** Configs larger than this are not read for a date (real ones are a few KiB). */
const CONFIG_CAP = 1024 * 1024;

export interface Created {
  date: Date;
  /** The config's digest, to name it in a warning. */
  config: string;
}

/** The newest creation date of any served image, or undefined when no config carries one. */
export async function newestCreated(model: ImageModel): Promise<Created | undefined> {
  let newest: Created | undefined;
  const files = new Map<string, number | undefined>();
  try {
    for (const digest of configDigests(model)) {
      const blob = model.blobs.get(digest);
      if (blob === undefined || blob.size > CONFIG_CAP) continue;
      await beforeBlockingCall();
      const date = createdOf(readSmall(files, blob.source, blob.size));
      if (date !== undefined && (newest === undefined || date > newest.date)) newest = { date, config: digest };
    }
  } finally {
    for (const fd of files.values()) if (fd !== undefined) closeSync(fd);
  }
  return newest;
}

/** `created` of a config's bytes; undefined when absent, not a date, or not JSON. */
export function createdOf(bytes: Buffer | undefined): Date | undefined {
  if (bytes === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const created = isObject(json) ? json['created'] : undefined;
  if (typeof created !== 'string') return undefined;
  const date = new Date(created);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function configDigests(model: ImageModel): Set<string> {
  const digests = new Set<string>();
  for (const manifest of model.manifests.values()) {
    if (!isManifest(manifest.mediaType)) continue;
    try {
      const config = (JSON.parse(manifest.bytes.toString('utf8')) as { config?: { digest?: unknown } }).config?.digest;
      if (typeof config === 'string') digests.add(config);
    } catch {
      // A manifest that is not JSON is the loader's business, not the clock's.
    }
  }
  return digests;
}

/** A config's bytes, through `files` (path → open fd, undefined when it cannot be opened); undefined when unreadable. */
function readSmall(files: Map<string, number | undefined>, source: Source, size: number): Buffer | undefined {
  if (source.kind === 'memory') return source.bytes;
  if (!files.has(source.path)) files.set(source.path, openOrUndefined(source.path));
  const fd = files.get(source.path);
  if (fd === undefined) return undefined;
  try {
    const buffer = Buffer.alloc(size);
    return buffer.subarray(0, readSync(fd, buffer, 0, size, source.offset));
  } catch {
    return undefined;
  }
}

function openOrUndefined(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}
