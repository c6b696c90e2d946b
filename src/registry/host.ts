// RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header. Node does
// that itself, with a bare body; it is switched off (`requireHostHeader: false`) so this stage,
// outermost, gives the same 400 with an OCI error body like every other malformed request.
// NAME_INVALID, not UNSUPPORTED: the catalog gives UNSUPPORTED status 405 (an operation this
// registry refuses), and a request it cannot even address is a bad target, 400 like parseRequest's
// unparsable request target.
import type { IncomingMessage } from 'node:http';
import { RegistryError } from './errors.js';
import { errorReply } from './respond.js';
import { writeReply, type Stage } from './stages.js';

export function lacksHost(req: IncomingMessage): boolean {
  return req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1;
}

// Not an async function: every request passes through here, and gets no extra promise.
export const requireHost: Stage = (next) => (req, res) => {
  if (!lacksHost(req)) return next(req, res);
  const reply = errorReply(new RegistryError('NAME_INVALID', { reason: 'HTTP/1.1 request without a Host header (RFC 9112 section 3.2)' }));
  return Promise.resolve(writeReply(req, res, reply));
};
