// Header names and fixed values, named once.

export { ContentType, Header } from '../spec.js';
import { Header } from '../spec.js';

export const API_VERSION = 'registry/2.0';
/** Blobs are content-addressed: a digest never changes its bytes. */
export const IMMUTABLE = 'max-age=31536000, immutable';
export const READ_METHODS = 'GET, HEAD';

/** Sent on every response, as registry:2 does. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  [Header.apiVersion]: API_VERSION,
  [Header.contentTypeOptions]: 'nosniff',
};

/** Every header of a response with a body of `length` bytes: built once per manifest and blob at start. */
export function completeHeaders(headers: Record<string, string>, length: number): Record<string, string> {
  return { ...COMMON_HEADERS, ...headers, [Header.contentLength]: String(length) };
}

/** The strong entity tag of a digest, as registry:2 sends it. */
export function etagOf(digest: string): string {
  return `"${digest}"`;
}
