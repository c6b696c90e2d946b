// The access log as the outermost stage: one line per answered request, whichever stage answered
// it (a 401 from auth, a 429 from the login throttle, a 400 from the Host check), written when the
// response closes, with the bytes that got out. 401s and 429s name the client and, for a 401, the
// user tried; a client can cause them at will, so they are rate-limited per address. Health probes
// and metric scrapes that succeed are not logged: one every few seconds would drown the log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { userTried } from './basic.js';
import { LIVEZ, READYZ } from './health.js';
import { clientAddress, type LogLimiter } from './log-limit.js';
import type { AccessEntry, Logger } from './log.js';
import { METRICS } from './metrics.js';
import type { Stage } from './stages.js';

const PROBES = new Set([LIVEZ, READYZ, METRICS]);

export interface AccessLog {
  stage: Stage;
  /** From now on, a response that does not complete was cut by shutdown. */
  cutting(): void;
  /** Resolves once every started request has its line written. */
  settled(): Promise<void>;
}

export function accessLog(logger: Logger, limiter: LogLimiter): AccessLog {
  let cut = false;
  let open = 0;
  let idle: (() => void) | undefined;
  const write = (entry: AccessEntry) => {
    if (entry.status === 401 || entry.status === 429) limited(logger, limiter, entry);
    else if (!(entry.status < 400 && PROBES.has(entry.path))) logger.access(entry);
    if (--open === 0) idle?.();
  };
  const stage: Stage = (next) => (req, res) => {
    open++;
    const started = performance.now();
    // Read now: once the socket is closed its address is gone.
    const client = clientAddress(req.socket.remoteAddress);
    let bytes: number | undefined;
    let closedAt: number | undefined;
    const done = () => write(entryOf(req, res, client, bytes ?? 0, Math.round(closedAt! - started), cut));
    res.once('close', () => {
      closedAt = performance.now();
      if (bytes !== undefined) done();
    });
    const settle = (sent: number) => {
      bytes = sent;
      if (closedAt !== undefined) done();
    };
    // then() rather than an async function: one promise less per request on the hot path.
    return next(req, res).then(
      (sent) => {
        settle(sent);
        return sent;
      },
      (error: unknown) => {
        settle(0);
        throw error;
      },
    );
  };
  return {
    stage,
    cutting: () => void (cut = true),
    settled: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve))),
  };
}

/** Why a response was what it was (a signature policy's refusal), for its access line. */
const notes = new WeakMap<ServerResponse, string>();

export function noteResponse(res: ServerResponse, note: string): void {
  notes.set(res, note);
}

function entryOf(req: IncomingMessage, res: ServerResponse, client: string, bytes: number, ms: number, cut: boolean): AccessEntry {
  const aborted = !res.writableFinished;
  const entry: AccessEntry = { method: req.method ?? 'GET', path: req.url ?? '/', status: res.statusCode, bytes, ms, client };
  if (aborted) entry.aborted = true;
  if (aborted && cut) entry.cut = true;
  if (res.statusCode === 401) entry.user = userTried(req.headers.authorization);
  const note = notes.get(res);
  if (note !== undefined) entry.note = note;
  return entry;
}

/**
 * 401s are limited per address and user tried: a client's first request carries no credentials
 * (the challenge), and its wrong password must not hide behind it. The login throttle bounds how
 * many users one address can try before it gets 429s, limited per address alone.
 */
function limited(logger: Logger, limiter: LogLimiter, entry: AccessEntry): void {
  const detail = entry.status === 401 ? JSON.stringify(entry.user) : undefined;
  const kind = entry.status === 401 ? `access-401 ${detail}` : `access-${entry.status}`;
  const admitted = limiter.admit(kind, entry.client ?? '', detail, (more, details, client, seconds) => ({
    event: `more-${entry.status}`,
    message: `${more} more ${entry.status} answer${more === 1 ? '' : 's'} to ${client} in the last ${seconds} s${summaryNote(entry.status, details)}`,
    fields: { status: entry.status, client, more, seconds, ...(entry.status === 401 && { users: details.filter((d) => d !== '""').join(', ') }) },
  }));
  if (admitted) logger.access(entry);
}

function summaryNote(status: number, details: readonly string[]): string {
  if (status === 429) return ' (logins refused while slowed)';
  const users = details.filter((d) => d !== '""');
  return users.length === 0 ? ' (no credentials sent)' : ` (users tried: ${users.join(', ')})`;
}
