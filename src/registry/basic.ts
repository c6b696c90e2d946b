// HTTP Basic credentials (RFC 7617), parsed without bcrypt: the auth stage verifies them, the page's
// client table only reads the user name.

/** `Basic base64(user:password)`; undefined for anything else. */
export function parseBasic(header: string): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
