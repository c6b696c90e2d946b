// The pure decisions of live content (./live.ts): when a file has settled, whether what is on disk
// differs from what is served, and the one log line a reload writes. No I/O here.
import type { ImageModel, ImageRecord } from '../model.js';
import { type FileIdentity, sameIdentity } from '../source/identity.js';

/** When a file was first seen as it is now. */
export interface Seen {
  identity: FileIdentity;
  since: number;
}

/**
 * Slack for file systems whose mtime is coarse: vfat keeps it in 2 s steps, so a file written a
 * moment ago may show an mtime up to 2 s old.
 */
export const COARSE_MTIME_MS = 2_000;

/** Each file's first sighting as it is now: kept while its identity stays, restarted when it changes. */
export function observe(before: ReadonlyMap<string, Seen>, files: ReadonlyMap<string, FileIdentity>, now: number): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  for (const [path, identity] of files) {
    const was = before.get(path);
    seen.set(path, was !== undefined && sameIdentity(was.identity, identity) ? was : { identity, since: now });
  }
  return seen;
}

/**
 * Milliseconds until a file may be read (0: now). A file is taken once it has been seen unchanged
 * (size, mtime, inode) for `settleMs`, or once its mtime is that old plus the coarse-mtime slack: a
 * finished file moved in (`mv` keeps its mtime) need not be watched for a second first.
 */
export function settleWait(seen: Seen, now: number, settleMs: number): number {
  const watched = settleMs - (now - seen.since);
  const written = settleMs + COARSE_MTIME_MS - (now - seen.identity.mtimeMs);
  return Math.max(0, Math.min(watched, written));
}

export type Plan =
  /** Nothing to do; check again in `recheckMs` when some file is still settling. */
  | { kind: 'idle'; recheckMs?: number }
  /** A file being served is being written: load nothing until it settles. */
  | { kind: 'wait'; ms: number }
  /** Load the inputs with these files (`target`), then check again in `recheckMs` if some are still settling. */
  | { kind: 'load'; target: Map<string, FileIdentity>; recheckMs?: number };

export interface PlanInput {
  /** Files of the served content as they were when loaded. */
  loaded: ReadonlyMap<string, FileIdentity>;
  /** The files a failed load was made of: not tried again until something changes. */
  failed?: string;
  /** Files found now, with their sightings (`observe`). */
  seen: ReadonlyMap<string, Seen>;
  /** Files named on the command line: the load waits for them instead of leaving them out. */
  named: ReadonlySet<string>;
  now: number;
  settleMs: number;
  /** Load even when nothing changed (SIGHUP). */
  force?: boolean;
}

export function planReload(input: PlanInput): Plan {
  const target = new Map<string, FileIdentity>();
  let settling = Infinity;
  for (const [path, seen] of input.seen) {
    const served = input.loaded.get(path);
    // A file as it was when loaded has nothing left to settle.
    const wait = served !== undefined && sameIdentity(served, seen.identity) ? 0 : settleWait(seen, input.now, input.settleMs);
    if (wait === 0) target.set(path, seen.identity);
    // A served file (or one named on the command line) being written holds the whole load back:
    // loading without it would take its images away for the length of a copy.
    else if (input.loaded.has(path) || input.named.has(path)) return { kind: 'wait', ms: wait };
    else settling = Math.min(settling, wait);
  }
  const recheck = settling === Infinity ? {} : { recheckMs: settling };
  const key = fingerprint(target);
  if (!input.force && (key === fingerprint(input.loaded) || key === input.failed)) return { kind: 'idle', ...recheck };
  return { kind: 'load', target, ...recheck };
}

/** One string per set of files and their identities: equal strings, same content on disk. */
export function fingerprint(files: ReadonlyMap<string, FileIdentity>): string {
  return [...files].map(([path, i]) => `${path}\0${i.dev}:${i.ino}:${i.size}:${i.mtimeMs}:${i.ctimeMs}`).sort().join('\n');
}

/** Files whose identity changed since they were loaded (same path, another version or another file). */
export function changedFiles(loaded: ReadonlyMap<string, FileIdentity>, files: ReadonlyMap<string, FileIdentity>): string[] {
  return [...loaded].filter(([path, was]) => {
    const now = files.get(path);
    return now !== undefined && !sameIdentity(was, now);
  }).map(([path]) => path);
}

/** Names listed in a reload line before "and N more". */
const LISTED = 10;

/** The one line a reload writes: images added, removed, tags now naming another digest, and how long it took. */
export function describeReload(before: ImageModel, after: ImageModel, ms?: number): string {
  const was = byName(before.images);
  const now = byName(after.images);
  const added = [...now.keys()].filter((n) => !was.has(n));
  const removed = [...was.keys()].filter((n) => !now.has(n));
  const changed = [...now].filter(([n, digest]) => was.has(n) && was.get(n) !== digest).map(([n]) => n);
  const count = `${after.images.length} image${after.images.length === 1 ? '' : 's'}`;
  const parts = [list('added', added), list('removed', removed), list('changed', changed)].filter((p) => p !== '');
  const took = ms === undefined ? '' : `; loaded in ${Math.round(ms)} ms`;
  return `content reloaded: ${count}${parts.length === 0 ? ', no image added or removed' : ` (${parts.join('; ')})`}${took}`;
}

/** `repository:tag`, or `repository@digest` untagged; another registry than Docker Hub is named first. */
export function imageName(r: ImageRecord): string {
  const name = r.registry === 'docker.io' ? r.repository : `${r.registry}/${r.repository}`;
  return r.tag !== undefined ? `${name}:${r.tag}` : `${name}@${r.digest}`;
}

function byName(images: readonly ImageRecord[]): Map<string, string> {
  return new Map(images.map((r) => [imageName(r), r.digest]));
}

function list(label: string, names: string[]): string {
  if (names.length === 0) return '';
  const shown = names.slice(0, LISTED).join(', ');
  return `${label} ${shown}${names.length > LISTED ? ` and ${names.length - LISTED} more` : ''}`;
}
