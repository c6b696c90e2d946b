// Stages around route(): auth, health and metrics wrap the request handler, each configured once at
// start. The route table and the handlers never learn about them; with no stage the server calls
// the handler directly.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { completeHeaders } from './headers.js';
import { sentLength } from './respond.js';
import { bodyLength, type Reply } from './reply.js';

/** Answers one request; resolves with the body bytes sent once the body is handed to the socket. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<number>;

/** What a stage may watch once a request is answered: its body bytes (0 when it failed). */
export type After = (req: IncomingMessage, res: ServerResponse, bytes: number) => void;

/**
 * Wraps the next handler: answers some requests itself, or passes them on (and may watch them).
 * `after`, when set, is called once each request is answered, from the one promise around() makes
 * per request anyway: a stage that only watches the end costs no promise of its own.
 */
export type Stage = ((next: Handler) => Handler) & { after?: After };

/** `stages[0]` is outermost. A stage that fails cuts the connection; it never crashes the server. */
export function around(handler: Handler, stages: readonly Stage[]): Handler {
  if (stages.length === 0) return handler;
  const composed = stages.reduceRight<Handler>((next, stage) => stage(next), handler);
  const afters = stages.flatMap((s) => (s.after ? [s.after] : []));
  const watch = (req: IncomingMessage, res: ServerResponse, bytes: number) => {
    for (let i = 0; i < afters.length; i++) {
      try {
        afters[i]!(req, res, bytes);
      } catch {
        // Watching must never fail the request.
      }
    }
  };
  const [only] = afters;
  const watched =
    afters.length === 1
      ? (req: IncomingMessage, res: ServerResponse, bytes: number) => {
          try {
            only!(req, res, bytes);
          } catch {
            // Watching must never fail the request.
          }
          return bytes;
        }
      : (req: IncomingMessage, res: ServerResponse, bytes: number) => {
          watch(req, res, bytes);
          return bytes;
        };
  const cut = (req: IncomingMessage, res: ServerResponse) => {
    watch(req, res, 0);
    res.destroy();
    return 0;
  };
  if (afters.length === 0) return (req, res) => composed(req, res).catch(() => cut(req, res));
  return (req, res) => composed(req, res).then((bytes) => watched(req, res, bytes), () => cut(req, res));
}

/** Writes a small in-memory reply from a stage (no body on HEAD); returns the body bytes sent. */
export function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): number {
  const head = req.method === 'HEAD';
  res.writeHead(reply.status, completeHeaders(reply.headers, bodyLength(reply.body)));
  if (head || reply.body.kind !== 'bytes') res.end();
  else res.end(reply.body.bytes);
  return sentLength(reply, head);
}
