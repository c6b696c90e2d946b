// Header names and fixed values, named once.

export const Header = {
  accept: 'accept',
  acceptRanges: 'Accept-Ranges',
  allow: 'Allow',
  apiVersion: 'Docker-Distribution-Api-Version',
  cacheControl: 'Cache-Control',
  contentLength: 'Content-Length',
  contentRange: 'Content-Range',
  contentType: 'Content-Type',
  contentTypeOptions: 'X-Content-Type-Options',
  digest: 'Docker-Content-Digest',
  etag: 'ETag',
  filtersApplied: 'OCI-Filters-Applied',
  link: 'Link',
  location: 'Location',
} as const;

export const ContentType = {
  json: 'application/json',
  octetStream: 'application/octet-stream',
  text: 'text/plain; charset=utf-8',
} as const;

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
