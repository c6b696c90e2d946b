// HTTP Basic credentials (RFC 7617), apart from the bcrypt check: the access log and the page's client
// table read the user name of a request without loading bcrypt.

/** `Basic base64(user:password)`; undefined for anything else. */
export function parseBasic(header: string): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The user name an Authorization header tried: '' for none, a note for a scheme that is not Basic. */
export function userTried(header: string | undefined): string {
  if (header === undefined) return '';
  return parseBasic(header)?.user ?? '(not Basic credentials)';
}
