// `--to REGISTRY[/PREFIX]`: where push sends the images. The scheme is stated (`http://`,
// `https://`) or chosen as docker does (src/client/target.ts).
import { isIP } from 'node:net';
import { parseHostPort } from '../address.js';
import { targetOf, type Target } from '../client/target.js';
import { isRepositoryName } from '../reference.js';

export type { Target };

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export function parseTarget(text: string): Target {
  let rest = text.trim();
  let scheme: Target['scheme'];
  const stated = /^(https?):\/\//.exec(rest);
  if (stated) {
    scheme = stated[1] as 'http' | 'https';
    rest = rest.slice(stated[0].length);
  } else if (rest.includes('://')) {
    throw new TargetError(`--to ${text}: only http:// and https:// are supported`);
  }
  rest = rest.replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!isHostPort(host)) {
    throw new TargetError(`--to ${text}: "${host}" is not a registry host[:port]`);
  }
  if (prefix !== '' && !isRepositoryName(prefix)) {
    throw new TargetError(`--to ${text}: "${prefix}" is not a valid repository prefix (lowercase path components)`);
  }
  return { ...targetOf(host, scheme), prefix };
}

/** `host[:port]` by the one address grammar, an IPv6 address only in brackets (it goes into URLs as is). */
function isHostPort(host: string): boolean {
  try {
    parseHostPort(host);
  } catch {
    return false;
  }
  return isIP(host) !== 6;
}

/** The repository an image is pushed to on the target. */
export function targetRepository(target: Target, name: string): string {
  return target.prefix === '' ? name : `${target.prefix}/${name}`;
}
