// The one place that writes responses: common headers, Content-Length from the body description,
// no body on HEAD, blob ranges streamed with backpressure and stopped when the client leaves.
import type { ServerResponse } from 'node:http';
import { errorBody, RegistryError } from './errors.js';
import { COMMON_HEADERS, completeHeaders, ContentType, Header, READ_METHODS } from './headers.js';
import type { SourceFiles } from '../source/files.js';
import { bodyLength, type Reply } from './reply.js';

const NOT_MODIFIED = 304;

export function errorReply(error: RegistryError): Reply {
  const headers: Record<string, string> = { [Header.contentType]: ContentType.json };
  if (error.code === 'UNSUPPORTED') headers[Header.allow] = READ_METHODS;
  const reply: Reply = { status: error.status, headers, body: { kind: 'bytes', bytes: errorBody(error) } };
  if (error.code === 'DENIED') reply.note = `denied: ${error.message}`;
  return reply;
}

/**
 * Seconds a client is asked to wait for a blob whose file changed in place: the file is loaded again
 * once it has been still for the settle time (1 s by default), which takes about as long again.
 */
export const RETRY_AFTER_SECONDS = 2;

/** 503 for a blob whose file changed since it was indexed (RFC 9110 §10.2.3: Retry-After). */
export function unavailable(problem: string): Reply {
  const reply = errorReply(new RegistryError('UNAVAILABLE', { problem }));
  reply.headers[Header.retryAfter] = String(RETRY_AFTER_SECONDS);
  return reply;
}

/** Body bytes a reply sends: none on HEAD (RFC 9110 §9.3.2) and none on 304 (§15.4.5). */
export function sentLength(reply: Reply, head: boolean): number {
  return head || reply.status === NOT_MODIFIED ? 0 : bodyLength(reply.body);
}

/** Writes `reply`; resolves once the body has been handed to the socket. */
/** Sends `reply`; `delivered.bytes` counts the body bytes a streamed blob got out, also when it fails midway. */
export async function sendReply(res: ServerResponse, reply: Reply, head: boolean, files: SourceFiles, delivered?: { bytes: number }): Promise<void> {
  // RFC 9110 §8.6: a 304 may only repeat the 200's length, so it sends none; HEAD sends the GET's.
  const headers = reply.complete
    ? reply.headers
    : reply.status === NOT_MODIFIED
      ? { ...COMMON_HEADERS, ...reply.headers }
      : completeHeaders(reply.headers, bodyLength(reply.body));
  res.writeHead(reply.status, headers);
  const body = reply.body;
  if (head || reply.status === NOT_MODIFIED || body.kind === 'empty') {
    res.end();
    return;
  }
  if (body.kind === 'bytes') {
    res.end(body.bytes);
    return;
  }
  const { source, range } = body;
  if (source.kind === 'memory') {
    res.end(source.bytes.subarray(range.start, range.end + 1));
    return;
  }
  await files.writeRange(source, range, res, delivered);
  res.end();
}
