// One image into one repository of the target: its blobs a few at a time (each HEAD, mount or
// upload), then its manifests in plan order (children, top, referrers), each by digest, then its
// tags. A manifest or tag the target already resolves to the right digest is not written again.
import type { Manifest } from '../model.js';
import type { SourceFiles } from '../source/files.js';
import { Header } from '../spec.js';
import { MediaType } from '../model.js';
import { AuthError, pushScope } from '../client/auth.js';
import { describeNetworkError } from '../client/connect.js';
import { describeReply, headerValue, HttpError, type RegistryClient } from '../client/http.js';
import { describePlan, type ImagePlan } from './plan.js';
import { type ImageResult, LiveLine, zeroOutcomes } from './report.js';
import { pushBlob } from './upload.js';

export interface ImagePushOptions {
  concurrency: number;
  chunkSize?: number;
}

export interface Verified {
  reference: string;
  expected: string;
  found?: string;
}

/** Every manifest media type, so a registry answers HEAD with the stored manifest as it is. */
const ACCEPT = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList].join(', ');

export async function pushImage(client: RegistryClient, files: SourceFiles, plan: ImagePlan, mountable: Map<string, string>, o: ImagePushOptions): Promise<ImageResult> {
  const started = performance.now();
  const blobs = zeroOutcomes();
  let bytes = 0;
  let resumed = 0;
  const total = plan.blobs.reduce((n, b) => n + b.size, 0);
  const live = new LiveLine(describePlan(plan), total, plan.blobs.length, process.stderr.isTTY ? process.stderr : undefined);
  const queue = [...plan.blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) {
      const from = mountable.get(blob.digest);
      const options = { onBytes: (n: number) => live.addBytes(n), onResume: () => resumed++, ...(o.chunkSize !== undefined && { chunkSize: o.chunkSize }) };
      const result = await pushBlob(client, files, plan.repository, blob, from !== plan.repository ? from : undefined, options).catch((error: unknown) => {
        throw prefixed(`blob ${blob.digest}`, error);
      });
      blobs[result.outcome]++;
      bytes += result.sent;
      if (!mountable.has(blob.digest)) mountable.set(blob.digest, plan.repository);
      live.blobDone();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, queue.length)) }, worker));
  } finally {
    live.clear();
  }
  let manifests = 0;
  for (const m of plan.manifests) if (await putManifest(client, plan.repository, m, m.digest)) manifests++;
  const top = plan.manifests.find((m) => m.digest === plan.digest);
  if (top === undefined) throw new HttpError(`the archives do not hold manifest ${plan.digest}`);
  for (const tag of plan.tags) if (await putManifest(client, plan.repository, top, tag)) manifests++;
  return { image: describePlan(plan), repository: plan.repository, digest: plan.digest, tags: plan.tags, blobs, manifests, bytes, resumed, seconds: (performance.now() - started) / 1000 };
}

/** PUTs the exact bytes under `reference` unless the target already resolves it to this digest. */
async function putManifest(client: RegistryClient, repository: string, m: Manifest, reference: string): Promise<boolean> {
  if ((await resolveManifest(client, repository, reference)) === m.digest) return false;
  const url = `/v2/${repository}/manifests/${reference}`;
  const headers = { [Header.contentType]: m.mediaType, [Header.contentLength]: String(m.bytes.length) };
  const reply = await client.send({ method: 'PUT', url, scopes: [pushScope(repository)], headers, body: m.bytes });
  const what = reference === m.digest ? `manifest ${m.digest} (${m.mediaType})` : `tag ${reference} → ${m.digest}`;
  if (reply.status !== 201) throw new HttpError(`${what}: the registry refused it: ${describeReply(reply)}`, reply.status);
  const stored = headerValue(reply, Header.digest);
  if (stored !== undefined && stored !== m.digest) throw new HttpError(`${what}: the registry stored it as ${stored}`);
  return true;
}

/** The digest the target resolves a tag or digest to (HEAD), or undefined when it has none. */
export async function resolveManifest(client: RegistryClient, repository: string, reference: string): Promise<string | undefined> {
  const reply = await client.send({ method: 'HEAD', url: `/v2/${repository}/manifests/${reference}`, scopes: [pushScope(repository)], headers: { accept: ACCEPT } });
  if (reply.status === 404) return undefined;
  if (reply.status !== 200) throw new HttpError(`HEAD manifest ${reference}: ${describeReply(reply)}`, reply.status);
  return headerValue(reply, Header.digest);
}

export async function headBlob(client: RegistryClient, repository: string, digest: string): Promise<boolean> {
  const reply = await client.send({ method: 'HEAD', url: `/v2/${repository}/blobs/${digest}`, scopes: [pushScope(repository)] });
  if (reply.status === 200) return true;
  if (reply.status === 404) return false;
  throw new HttpError(`HEAD blob ${digest}: ${describeReply(reply)}`, reply.status);
}

/** Every pushed tag (or, untagged, the digest) as the target resolves it now. */
export async function verifyTags(client: RegistryClient, plans: ImagePlan[]): Promise<Verified[]> {
  const out: Verified[] = [];
  for (const plan of plans) {
    const references = plan.tags.length > 0 ? plan.tags : [plan.digest];
    for (const reference of references) {
      const found = await resolveManifest(client, plan.repository, reference);
      const v: Verified = { reference: `${plan.repository}${reference.includes(':') ? '@' : ':'}${reference}`, expected: plan.digest };
      if (found !== undefined) v.found = found;
      out.push(v);
    }
  }
  return out;
}

function prefixed(what: string, error: unknown): Error {
  if (error instanceof HttpError) return new HttpError(`${what}: ${error.message}`, error.status);
  if (error instanceof AuthError) return new AuthError(`${what}: ${error.message}`);
  // Retries are spent by now: a network error is final, in one line.
  return new HttpError(`${what}: ${describeNetworkError(error)}`);
}
