// /livez and /readyz, outside /v2/ and never behind auth: a kubelet or a load balancer asks them.
// Ready means the archives are loaded (the server only listens after that) and every tar file is
// still the size it was at start: a file truncated or rewritten in place would serve wrong bytes.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
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

/** What /readyz says now: undefined when every file is as it was, else the first change found. */
export async function readinessProblem(sizes: ReadonlyMap<string, number>): Promise<string | undefined> {
  for (const [path, size] of sizes) {
    try {
      const now = (await stat(path)).size;
      if (now !== size) return `${path}: size changed from ${size} to ${now} bytes since start`;
    } catch (error) {
      return `${path}: ${fileProblem(path, error)}`;
    }
  }
  return undefined;
}

/** `tarPaths`: the files blobs are served from; their sizes are taken now, at start. */
export function healthStage(tarPaths: Iterable<string>): Stage {
  const sizes = new Map([...new Set(tarPaths)].map((p) => [p, statSync(p).size]));
  const live = text(200, 'ok');
  const ready = async (req: IncomingMessage, res: ServerResponse) => {
    const problem = await readinessProblem(sizes);
    return writeReply(req, res, problem === undefined ? live : text(503, `not ready: ${problem}`));
  };
  // Not an async function: every registry request passes through here, and gets no extra promise.
  return (next) => (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(LIVEZ) && !url.startsWith(READYZ)) return next(req, res);
    const path = url.split('?')[0];
    if ((path !== LIVEZ && path !== READYZ) || (req.method !== 'GET' && req.method !== 'HEAD')) return next(req, res);
    return path === LIVEZ ? Promise.resolve(writeReply(req, res, live)) : ready(req, res);
  };
}
