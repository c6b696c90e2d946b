// One blob into one repository of the target: HEAD first; a cross-repository mount when another
// repository of this run already holds it; else an upload streamed from the tar, monolithic (one
// PUT with the digest) or in chunks (PATCH with Content-Range) when the registry asks for them.
// After a failure mid-upload the registry is asked how much it kept (GET on the upload, `Range`),
// and the rest follows in chunks from there. distribution keeps the offset in the Location's
// `_state` and drops an upload whose bytes no longer match it (a body cut mid-request), so
// there a cut upload starts again from byte 0; a refused chunk resumes.
import { Transform, type Readable } from 'node:stream';
import type { Blob } from '../model.js';
import { type ByteRange, SourceFiles, sizeOf } from '../source/files.js';
import { ContentType, Header } from '../spec.js';
import { pullScope, pushScope } from '../client/auth.js';
import { backoffMs, describeReply, headerValue, HttpError, isRetryableError, isRetryableStatus, type RegistryClient, type Reply, sleep } from '../client/http.js';

export type BlobOutcome = 'present' | 'mounted' | 'uploaded';

export interface UploadOptions {
  /** Send in chunks of this many bytes instead of one PUT. */
  chunkSize?: number;
  /** Bytes handed to the socket, for progress. */
  onBytes?: (n: number) => void;
  /** An upload resumed after a failure: at which byte. */
  onResume?: (offset: number) => void;
}

export interface BlobResult {
  outcome: BlobOutcome;
  /** Bytes sent (a resumed upload sends fewer than the blob's size). */
  sent: number;
}

/** Registries that name a minimum chunk (OCI-Chunk-Min-Length) still get at least this much per PATCH. */
const DEFAULT_CHUNK = 16 * 1024 * 1024;

export async function pushBlob(client: RegistryClient, files: SourceFiles, repository: string, blob: Blob, mountFrom: string | undefined, o: UploadOptions = {}): Promise<BlobResult> {
  const scopes = [pushScope(repository)];
  const head = await client.send({ method: 'HEAD', url: `/v2/${repository}/blobs/${blob.digest}`, scopes });
  if (head.status === 200) return { outcome: 'present', sent: 0 };
  if (head.status !== 404) throw new HttpError(`HEAD blob: ${describeReply(head)}`, head.status);

  let start: Reply;
  if (mountFrom !== undefined) {
    const mountScopes = [...scopes, pullScope(mountFrom)];
    const query = `mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}`;
    start = await client.send({ method: 'POST', url: `/v2/${repository}/blobs/uploads/?${query}`, scopes: mountScopes, headers: { [Header.contentLength]: '0' } });
    if (start.status === 201) return { outcome: 'mounted', sent: 0 };
  } else {
    start = await startUpload(client, repository);
  }
  if (start.status !== 202) throw new HttpError(`starting an upload: ${describeReply(start)}`, start.status);
  const sent = await upload(client, files, repository, blob, start, o);
  return { outcome: 'uploaded', sent };
}

function startUpload(client: RegistryClient, repository: string): Promise<Reply> {
  return client.send({ method: 'POST', url: `/v2/${repository}/blobs/uploads/`, scopes: [pushScope(repository)], headers: { [Header.contentLength]: '0' } });
}

function locationOf(reply: Reply): string {
  const location = headerValue(reply, Header.location);
  if (location === undefined) throw new HttpError(`the registry answered ${reply.status} with no Location for the upload`);
  return location;
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/** The upload loop: send from `offset`, and after a transient failure resume where the registry says. */
async function upload(client: RegistryClient, files: SourceFiles, repository: string, blob: Blob, start: Reply, o: UploadOptions): Promise<number> {
  const size = sizeOf(blob.source);
  const minChunk = Number(headerValue(start, Header.chunkMinLength) ?? 0);
  let chunk = o.chunkSize ?? (minChunk > 0 ? Math.max(minChunk, DEFAULT_CHUNK) : undefined);
  // The latest Location: distribution encodes the offset in it, so only the newest one resumes.
  const session = { location: locationOf(start) };
  let offset = 0;
  let sent = 0;
  const counted = (range: ByteRange) => counting(files.openRange(blob.source, range), (n) => {
    sent += n;
    o.onBytes?.(n);
  });
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await (chunk === undefined || size === 0
        ? putWhole(client, repository, session.location, blob, size, counted)
        : sendChunks(client, repository, session, blob, offset, size, chunk, counted));
      if (reply.status === 201) return sent;
      // A registry that takes no monolithic PUT this large says so with 413: send chunks instead.
      if (reply.status === 413 && chunk === undefined) chunk = DEFAULT_CHUNK;
      else if (!isRetryableStatus(reply.status) || attempt + 1 >= client.policy.attempts) throw new HttpError(`upload: ${describeReply(reply)}`, reply.status);
      else await sleep(backoffMs(client.policy, attempt, headerValue(reply, Header.retryAfter)));
    } catch (error) {
      if (error instanceof HttpError || !isRetryableError(error) || attempt + 1 >= client.policy.attempts) throw error;
      await sleep(backoffMs(client.policy, attempt));
    }
    ({ location: session.location, offset } = await resumePoint(client, repository, session.location));
    if (offset > 0) {
      chunk ??= DEFAULT_CHUNK;
      o.onResume?.(offset);
    }
  }
}

type Opener = (range: ByteRange) => Readable;

function putWhole(client: RegistryClient, repository: string, location: string, blob: Blob, size: number, open: Opener): Promise<Reply> {
  const headers = { [Header.contentType]: ContentType.octetStream, [Header.contentLength]: String(size) };
  const body = size === 0 ? Buffer.alloc(0) : () => open({ start: 0, end: size - 1 });
  return client.send({ method: 'PUT', url: withDigest(location, blob.digest), scopes: [pushScope(repository)], headers, body, retry: false });
}

/** PATCH `[offset, size)` in chunks, each at the Location the previous one returned, then the closing PUT. */
async function sendChunks(client: RegistryClient, repository: string, session: { location: string }, blob: Blob, offset: number, size: number, chunk: number, open: Opener): Promise<Reply> {
  const scopes = [pushScope(repository)];
  for (let at = offset; at < size; at += chunk) {
    const end = Math.min(at + chunk, size) - 1;
    const headers = { [Header.contentType]: ContentType.octetStream, [Header.contentLength]: String(end - at + 1), [Header.contentRange]: `${at}-${end}` };
    const reply = await client.send({ method: 'PATCH', url: session.location, scopes, headers, body: () => open({ start: at, end }), retry: false });
    if (reply.status !== 202) return reply;
    session.location = locationOf(reply);
  }
  return client.send({ method: 'PUT', url: withDigest(session.location, blob.digest), scopes, headers: { [Header.contentLength]: '0' } });
}

/**
 * Where to go on after a failure: the upload's status (`Range: 0-LAST` of the bytes the registry
 * kept, and a fresh Location), or a new upload from byte 0 when the registry dropped the session.
 */
async function resumePoint(client: RegistryClient, repository: string, location: string): Promise<{ location: string; offset: number }> {
  const status = await client.send({ method: 'GET', url: location, scopes: [pushScope(repository)] });
  if (status.status === 204) {
    const range = /^(?:bytes=)?0-(\d+)$/.exec(headerValue(status, Header.range) ?? '');
    // distribution says `0-0` for an upload holding nothing yet: read it as 0 (at worst one byte is resent).
    const last = range ? Number(range[1]) : 0;
    return { location: headerValue(status, Header.location) ?? location, offset: last > 0 ? last + 1 : 0 };
  }
  const fresh = await startUpload(client, repository);
  if (fresh.status !== 202) throw new HttpError(`restarting the upload: ${describeReply(fresh)}`, fresh.status);
  return { location: locationOf(fresh), offset: 0 };
}

function counting(stream: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  stream.on('error', (error) => counter.destroy(error));
  return stream.pipe(counter);
}
