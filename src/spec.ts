// Spec words shared by the registry (server) and push (client): HTTP header names and content
// types of the OCI distribution API, named once so both sides speak the same words.

export const Header = {
  accept: 'accept',
  acceptRanges: 'Accept-Ranges',
  allow: 'Allow',
  apiVersion: 'Docker-Distribution-Api-Version',
  authorization: 'Authorization',
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
  range: 'Range',
  retryAfter: 'Retry-After',
  wwwAuthenticate: 'WWW-Authenticate',
  /** OCI distribution spec 1.1: the smallest chunk a registry takes in a chunked upload. */
  chunkMinLength: 'OCI-Chunk-Min-Length',
} as const;

export const ContentType = {
  json: 'application/json',
  octetStream: 'application/octet-stream',
  text: 'text/plain; charset=utf-8',
} as const;
