// Read auth (--htpasswd): HTTP Basic on every registry route, bcrypt entries only, as distribution
// does. A pull makes hundreds of requests with the same Authorization header, so a header verified
// once is remembered; bcrypt (deliberately slow) runs once per header, not per request.
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { parseBasic, userTried } from './basic.js';
import { RegistryError } from './errors.js';
import { errorReply } from './respond.js';
import { Header } from './headers.js';
import { silentLogger, type LogEvent, type Logger } from './log.js';
import { FAILURE_WINDOW_MS, LoginThrottle, throttleKey, type Burst } from './login-throttle.js';
import type { Reply } from './reply.js';
import { writeReply, type Stage } from './stages.js';

export { parseBasic } from './basic.js';

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

/** What is known of a header without checking it: passed or refused before, being checked now, or new. */
export type Known = 'passed' | 'refused' | 'checking' | 'new';

export interface Verifier {
  (authorization: string | undefined): boolean | Promise<boolean>;
  known(authorization: string | undefined): Known;
}

/** Checks Authorization headers against the users; remembers the ones that passed and the ones refused. */
export function createVerifier(users: Map<string, string>): Verifier {
  const verified = new Set<string>();
  // htpasswd is read once at start: a refused header stays refused, and repeating it costs no bcrypt.
  const refused = new Set<string>();
  const pending = new Map<string, Promise<boolean>>();
  const remember = (set: Set<string>, header: string) => {
    if (set.size >= MAX_REMEMBERED) set.clear();
    set.add(header);
  };
  const verify = (authorization: string | undefined): boolean | Promise<boolean> => {
    if (authorization === undefined) return false;
    if (verified.has(authorization)) return true;
    if (refused.has(authorization)) return false;
    const inFlight = pending.get(authorization);
    if (inFlight) return inFlight;
    const credentials = parseBasic(authorization);
    const hash = credentials && users.get(credentials.user);
    if (!credentials || hash === undefined) {
      remember(refused, authorization);
      return false;
    }
    // A pull opens several connections at once with the same header: one bcrypt for all of them.
    const check = bcrypt.compare(credentials.password, hash).then((ok) => {
      pending.delete(authorization);
      remember(ok ? verified : refused, authorization);
      return ok;
    });
    pending.set(authorization, check);
    return check;
  };
  const known = (authorization: string | undefined): Known => {
    if (authorization === undefined || refused.has(authorization)) return 'refused';
    if (verified.has(authorization)) return 'passed';
    return pending.has(authorization) ? 'checking' : 'new';
  };
  return Object.assign(verify, { known });
}

const CHALLENGE = { 'WWW-Authenticate': `Basic realm="${REALM}"` };

export interface AuthOptions {
  logger?: Logger;
  throttle?: LoginThrottle;
}

/**
 * Every request but `/` needs valid credentials (health and metrics are answered before this
 * stage). New credentials from an address that failed too often are answered 429, unchecked.
 */
export function authStage(users: Map<string, string>, options: AuthOptions = {}): Stage {
  const verify = createVerifier(users);
  const throttle = options.throttle ?? new LoginThrottle();
  const logger = options.logger ?? silentLogger;
  const unauthorized = errorReply(new RegistryError('UNAUTHORIZED'));
  const reply = { ...unauthorized, headers: { ...unauthorized.headers, ...CHALLENGE } };
  // Not an async function: a remembered header passes with no extra promise.
  return (next) => (req, res) => {
    if (req.url === '/') return next(req, res);
    const header = req.headers.authorization;
    const known = verify.known(header);
    if (known === 'passed') return next(req, res);
    if (known === 'refused') return Promise.resolve(writeReply(req, res, reply));
    const answer = (passed: boolean): Promise<number> => (passed ? next(req, res) : Promise.resolve(writeReply(req, res, reply)));
    // Joining a check already running costs nothing more and is not a new guess.
    if (known === 'checking') return (verify(header) as Promise<boolean>).then(answer);
    const client = throttleKey(req.socket.remoteAddress);
    const wait = throttle.retryAfter(client);
    if (wait > 0) return Promise.resolve(writeReply(req, res, tooMany(wait)));
    throttle.begin(client);
    const ended = (passed: boolean) => {
      const burst = throttle.end(client, passed, userTried(header));
      if (burst) logger.event(burstEvent(client, burst));
      return answer(passed);
    };
    const ok = verify(header);
    return typeof ok === 'boolean' ? ended(ok) : ok.then(ended);
  };
}

/** 429 with Retry-After (RFC 6585), and the OCI TOOMANYREQUESTS body docker and containerd print. */
function tooMany(seconds: number): Reply {
  const base = errorReply(new RegistryError('TOOMANYREQUESTS', { retryAfterSeconds: seconds }));
  return { ...base, headers: { ...base.headers, [Header.retryAfter]: String(seconds) } };
}

function burstEvent(client: string, burst: Burst): LogEvent {
  const users = burst.users.map((u) => JSON.stringify(u)).join(', ');
  return {
    event: 'login-slowed',
    message: `login: ${burst.failures} failed logins from ${client} within ${FAILURE_WINDOW_MS / 1000} s (users tried: ${users}): answering 429 to its new passwords for ${burst.retryAfterSeconds} s, without checking them`,
    fields: { client, failures: burst.failures, users, retryAfterSeconds: burst.retryAfterSeconds },
  };
}
