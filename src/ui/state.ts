// The page's one model: what the seed serves (read from the current image model) and who pulled
// what (read from the client table), as one JSON value. GET /ui/api/state answers it; the page
// renders it; docs/ui.md and docs/ui-state.schema.json describe it.
import { isIndex, type ImageModel, type ImageRecord, type Manifest } from '../model.js';
import { pullCommand } from '../inspect.js';
import { pullReference } from '../image/pull-names.js';
import { ClientTracker, type ClientRecord, type SeedEvent } from './clients.js';

export interface SeedInfo {
  version: string;
  startedAt: string;
  /** host:port the pull lines name (the first advertised or bound address). */
  host: string;
  scheme: 'http' | 'https';
  auth: boolean;
  tls?: TlsInfo;
}

export interface CertInfo {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export interface TlsInfo {
  certificate: CertInfo;
  /** The CA nodes trust (--tls-self-signed DIR/ca.crt), when the seed knows it. */
  ca?: CertInfo & { path: string };
}

export interface ImageState {
  reference: string;
  /** The name a node's runtime asks for: registry included (`docker.io/library/busybox:1.36`). */
  original: string;
  registry: string;
  repository: string;
  tag?: string;
  digest: string;
  mediaType: string;
  platforms: string[];
  size: number;
  archive: string;
  /** Signatures, attestations and SBOMs: OCI 1.1 referrers and cosign's `sha256-<hex>.sig` tags. */
  referrers: Array<{ digest: string; kind: string }>;
  trust?: { signedBy: string } | { refused: string };
  pull: Record<'docker' | 'ctr' | 'podman' | 'crictl', string>;
}

export interface ClientImage {
  reference: string;
  state: 'complete' | 'in progress';
  blobs: number;
  blobsDone: number;
}

export interface ClientState {
  address: string;
  user?: string;
  firstSeen: string;
  lastSeen: string;
  requests: number;
  errors: number;
  bytes: number;
  /** Bytes per second since the page last asked. */
  rate: number;
  images: ClientImage[];
  transfers: Array<{ digest: string; bytes: number; size: number }>;
}

export interface UiState {
  seed: SeedInfo;
  images: ImageState[];
  clients: ClientState[];
  events: SeedEvent[];
}

const RATE_WINDOW_MS = 1_000;

/** cosign's tag scheme for what belongs to a digest: `sha256-<hex>.sig`, `.att`, `.sbom`. */
const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;

/** The name a node's runtime asks for, registry included: what the archive named. */
export function originalName(r: ImageRecord): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : `@${r.digest}`}`;
}

export function buildState(model: ImageModel, tracker: ClientTracker, seed: SeedInfo, now = Date.now()): UiState {
  const referrers = collectReferrers(model);
  const images = model.images.map((r) => imageState(model, r, seed.host, referrers.get(r.digest) ?? []));
  const clients = [...tracker.clients.values()].map((c) => clientState(model, c, now));
  return { seed, images, clients, events: [...tracker.events] };
}

function imageState(model: ImageModel, r: ImageRecord, host: string, referrers: ImageState['referrers']): ImageState {
  const original = originalName(r);
  // A signature attached to an image carries no verdict of its own: the image's row says it.
  const trust = r.trust === undefined || 'attachedTo' in r.trust ? undefined : 'signedBy' in r.trust ? { signedBy: r.trust.signedBy } : { refused: r.trust.refused.message };
  return {
    reference: pullReference(model, r),
    original,
    registry: r.registry,
    repository: r.repository,
    ...(r.tag !== undefined && { tag: r.tag }),
    digest: r.digest,
    mediaType: r.mediaType,
    platforms: r.platforms,
    size: r.size,
    archive: r.tarPath,
    referrers,
    ...(trust !== undefined && { trust }),
    pull: {
      docker: pullCommand(host, model, r),
      // The runtimes below reach the seed as a mirror, through what `configure` wrote.
      ctr: `ctr images pull --hosts-dir /etc/containerd/certs.d ${original}`,
      podman: `podman pull ${original}`,
      crictl: `crictl pull ${original}`,
    },
  };
}

function collectReferrers(model: ImageModel): Map<string, ImageState['referrers']> {
  const found = new Map<string, ImageState['referrers']>();
  const add = (subject: string, entry: ImageState['referrers'][number]) => found.set(subject, [...(found.get(subject) ?? []), entry]);
  for (const m of model.manifests.values()) {
    if (m.subject !== undefined) add(m.subject, { digest: m.digest, kind: m.artifactType ?? 'referrer' });
  }
  for (const r of model.images) {
    const tag = r.tag === undefined ? undefined : COSIGN_TAG.exec(r.tag);
    if (tag) add(`sha256:${tag[1]}`, { digest: r.digest, kind: `cosign .${tag[2]}` });
  }
  return found;
}

/** Config and layer digests of an image manifest, parsed once per manifest (only when the page looks). */
const blobsOfManifest = new WeakMap<Manifest, string[]>();

function blobsOf(m: Manifest): string[] {
  let blobs = blobsOfManifest.get(m);
  if (blobs === undefined) {
    const parsed = JSON.parse(m.bytes.toString('utf8')) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
    blobs = [parsed.config?.digest, ...(parsed.layers ?? []).map((l) => l.digest)].filter((d): d is string => typeof d === 'string');
    blobsOfManifest.set(m, blobs);
  }
  return blobs;
}

/** The image manifests a record covers: itself, or the children of its index that the archive holds. */
function imageManifests(model: ImageModel, digest: string): Manifest[] {
  const m = model.manifests.get(digest);
  if (m === undefined) return [];
  if (!isIndex(m.mediaType)) return [m];
  return (m.manifests ?? []).map((d) => model.manifests.get(d.digest)).filter((c): c is Manifest => c !== undefined && !isIndex(c.mediaType));
}

/** `name:reference` of a /v2/<name>/manifests/<reference> path, or the digest it names. */
function manifestReference(url: string): string {
  const at = url.lastIndexOf('/manifests/');
  const q = url.indexOf('?', at);
  const reference = q < 0 ? url.slice(at + '/manifests/'.length) : url.slice(at + '/manifests/'.length, q);
  return reference.startsWith('sha256:') ? reference : `${url.slice('/v2/'.length, at)}:${reference}`;
}

/** The digests a client's manifest requests resolved to: by digest, or `name:tag` through the model's tags. */
function askedDigests(model: ImageModel, c: ClientRecord): Set<string> {
  const digests = new Set<string>();
  for (const path of c.manifests) {
    const asked = manifestReference(path);
    if (asked.startsWith('sha256:')) digests.add(asked);
    else {
      const colon = asked.lastIndexOf(':');
      for (const repo of model.repositories.get(asked.slice(0, colon)) ?? []) {
        const digest = repo.tags.get(asked.slice(colon + 1));
        if (digest !== undefined) digests.add(digest);
      }
    }
  }
  return digests;
}

function blobSize(model: ImageModel, digest: string): number {
  return model.blobs.get(digest)?.size ?? model.manifests.get(digest)?.bytes.length ?? 0;
}

/** An image a client asked for: complete once every blob of one of its platform manifests arrived whole. */
function clientImage(model: ImageModel, c: ClientRecord, asked: Set<string>, r: ImageRecord): ClientImage | undefined {
  const candidates = imageManifests(model, r.digest);
  if (!asked.has(r.digest) && !candidates.some((m) => asked.has(m.digest))) return undefined;
  // The platform the client took: a child it fetched, else any of them.
  const fetched = candidates.filter((m) => asked.has(m.digest));
  const pool = fetched.length > 0 ? fetched : candidates;
  let best: ClientImage | undefined;
  for (const m of pool) {
    const blobs = blobsOf(m);
    const done = blobs.filter((d) => (c.blobs.get(d) ?? -1) >= blobSize(model, d)).length;
    const view: ClientImage = { reference: pullReference(model, r), state: done === blobs.length ? 'complete' : 'in progress', blobs: blobs.length, blobsDone: done };
    if (best === undefined || view.blobsDone / view.blobs > best.blobsDone / best.blobs) best = view;
  }
  return best ?? { reference: pullReference(model, r), state: 'in progress', blobs: 0, blobsDone: 0 };
}

function clientState(model: ImageModel, c: ClientRecord, now: number): ClientState {
  const transfers = [...c.transfers].map((t) => {
    const size = blobSize(model, t.digest);
    return { digest: t.digest, bytes: ClientTracker.progress(t, size), size: size - t.from };
  });
  const total = c.bytes + transfers.reduce((n, t) => n + t.bytes, 0);
  // Sampled at most once a second, so two pages open at once read the same rate.
  if (c.sample === undefined) c.sample = { at: now, bytes: total, rate: 0 };
  else if (now - c.sample.at >= RATE_WINDOW_MS) c.sample = { at: now, bytes: total, rate: Math.max(0, ((total - c.sample.bytes) * 1000) / (now - c.sample.at)) };
  const rate = c.sample.rate;
  const asked = askedDigests(model, c);
  const images = model.images.map((r) => clientImage(model, c, asked, r)).filter((i): i is ClientImage => i !== undefined);
  return {
    address: c.address,
    ...(c.user !== undefined && { user: c.user }),
    firstSeen: new Date(c.firstSeen).toISOString(),
    lastSeen: new Date(c.lastSeen).toISOString(),
    requests: c.requests,
    errors: c.errors,
    bytes: total,
    rate: Math.round(rate),
    images,
    transfers,
  };
}
