// Read auth (--htpasswd): HTTP Basic on every registry route, bcrypt entries only, as distribution
// does. A pull makes hundreds of requests with the same Authorization header, so a header verified
// once is remembered; bcrypt (deliberately slow) runs once per header, not per request.
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { RegistryError } from './errors.js';
import { errorReply } from './respond.js';
import { writeReply, type Stage } from './stages.js';

export const REALM = 'seed-registry';
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
/** Verified headers remembered; past this many the memory is cleared (a flood of distinct users). */
const MAX_REMEMBERED = 1024;

/** user → bcrypt hash, from an htpasswd file. Any other hash type stops start-up with its line number. */
export function loadHtpasswd(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LoadError(path, fileProblem(path, error));
  }
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0) throw new LoadError(path, `line ${i + 1}: not user:hash`);
    if (!BCRYPT.test(hash)) throw new LoadError(path, `line ${i + 1}: user ${user}: not a bcrypt hash (only bcrypt is accepted, as distribution does: htpasswd -B)`);
    users.set(user, hash);
  });
  if (users.size === 0) throw new LoadError(path, 'no user:hash lines');
  return users;
}

/** Checks Authorization headers against the users; remembers the ones that passed. */
export function createVerifier(users: Map<string, string>): (authorization: string | undefined) => boolean | Promise<boolean> {
  const verified = new Set<string>();
  const pending = new Map<string, Promise<boolean>>();
  return (authorization) => {
    if (authorization === undefined) return false;
    if (verified.has(authorization)) return true;
    const inFlight = pending.get(authorization);
    if (inFlight) return inFlight;
    const credentials = parseBasic(authorization);
    const hash = credentials && users.get(credentials.user);
    if (!credentials || hash === undefined) return false;
    // A pull opens several connections at once with the same header: one bcrypt for all of them.
    const check = bcrypt.compare(credentials.password, hash).then((ok) => {
      pending.delete(authorization);
      if (ok) {
        if (verified.size >= MAX_REMEMBERED) verified.clear();
        verified.add(authorization);
      }
      return ok;
    });
    pending.set(authorization, check);
    return check;
  };
}

/** `Basic base64(user:password)` (RFC 7617); undefined for anything else. */
export function parseBasic(header: string): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const CHALLENGE = { 'WWW-Authenticate': `Basic realm="${REALM}"` };

/** Every request but `/` needs valid credentials (health and metrics are answered before this stage). */
export function authStage(users: Map<string, string>): Stage {
  const verify = createVerifier(users);
  const unauthorized = errorReply(new RegistryError('UNAUTHORIZED'));
  const reply = { ...unauthorized, headers: { ...unauthorized.headers, ...CHALLENGE } };
  // Not an async function: a remembered header passes with no extra promise.
  return (next) => (req, res) => {
    if (req.url === '/') return next(req, res);
    const ok = verify(req.headers.authorization);
    if (ok === true) return next(req, res);
    if (ok === false) return Promise.resolve(writeReply(req, res, reply));
    return ok.then((passed) => (passed ? next(req, res) : writeReply(req, res, reply)));
  };
}
