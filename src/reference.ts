// The distribution reference grammar (distribution/reference, OCI distribution spec "Pulling
// manifests"): repository names, tags and digests. One grammar for the names an archive states
// (the loader) and the names a request carries (the registry).

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
export const NAME_MAX = 255;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]+$/;
/** Registered algorithms pin the encoded length and alphabet (OCI image spec, descriptor.md). */
const ENCODED: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/**
 * The registry part of a full reference: a host name (dot-separated labels), an IPv4 address or a
 * bracketed IPv6 address, with an optional port (distribution/reference's `domain`).
 */
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);

export function isDomain(domain: string): boolean {
  return DOMAIN.test(domain);
}

export function isRepositoryName(name: string): boolean {
  return name.length <= NAME_MAX && NAME.test(name);
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isDigest(digest: string): boolean {
  if (!DIGEST.test(digest)) return false;
  const colon = digest.indexOf(':');
  const pinned = ENCODED[digest.slice(0, colon)];
  return pinned === undefined || pinned.test(digest.slice(colon + 1));
}
