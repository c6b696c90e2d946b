// /livez and /readyz, outside /v2/ and never behind auth: a kubelet or a load balancer asks them.
// Ready means the archives are loaded (the server only listens after that) and the current snapshot
// can serve every blob it lists: none of its tar files changed in place since it was indexed (a file
// rewritten, truncated or appended; replaced files keep serving from the old file). Content that
// changes while serving follows the snapshot: a failed reload leaves the previous snapshot, so
// readiness stays as it was; a changed file makes it not ready until it is loaded again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileProblem } from '../os-errors.js';
import { ContentType, Header } from './headers.js';
import type { Reply } from './reply.js';
import { writeReply, type Stage } from './stages.js';

export const LIVEZ = '/livez';
export const READYZ = '/readyz';

function text(status: number, body: string): Reply {
  return { status, headers: { [Header.contentType]: ContentType.text, [Header.cacheControl]: 'no-store' }, body: { kind: 'bytes', bytes: Buffer.from(`${body}\n`) } };
}

/** `problems`: what keeps the current snapshot from serving all it lists (`path: problem`), none when ready. */
export function healthStage(problems: () => readonly string[]): Stage {
  const live = text(200, 'ok');
  const ready = (req: IncomingMessage, res: ServerResponse) => {
    const found = problems();
    return writeReply(req, res, found.length === 0 ? live : text(503, `not ready: ${found.join('; ')}`));
  };
  // Not an async function: every registry request passes through here, and gets no extra promise.
  return (next) => (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(LIVEZ) && !url.startsWith(READYZ)) return next(req, res);
    const path = url.split('?')[0];
    if ((path !== LIVEZ && path !== READYZ) || (req.method !== 'GET' && req.method !== 'HEAD')) return next(req, res);
    return Promise.resolve(path === LIVEZ ? writeReply(req, res, live) : ready(req, res));
  };
}
