// What a handler returns: a status, headers and a body description. Handlers never touch the
// socket; respond.ts writes every reply the same way (and drops the body on HEAD).
import type { Source } from '../model.js';
import type { ResolvedRange } from './range.js';

export type Body =
  | { kind: 'empty' }
  | { kind: 'bytes'; bytes: Buffer }
  /** A byte range of blob `digest`, streamed from where it lives. */
  | { kind: 'source'; source: Source; range: ResolvedRange; digest: string };

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Body;
  /**
   * The headers are the whole set, common headers and Content-Length included, built once at
   * start-up: the hot paths (a manifest, a whole blob) then allocate nothing for headers.
   */
  complete?: true;
  /** Said in the access log line: why a request was denied (a signature policy's reason). */
  note?: string;
}

export const EMPTY: Body = { kind: 'empty' };

export function bodyLength(body: Body): number {
  switch (body.kind) {
    case 'empty':
      return 0;
    case 'bytes':
      return body.bytes.length;
    case 'source':
      return body.range.end - body.range.start + 1;
  }
}

export function jsonReply(status: number, value: unknown, contentType: string, extra: Record<string, string> = {}): Reply {
  const bytes = Buffer.from(JSON.stringify(value));
  return { status, headers: { 'Content-Type': contentType, ...extra }, body: { kind: 'bytes', bytes } };
}
