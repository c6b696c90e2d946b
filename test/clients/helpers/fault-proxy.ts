// A proxy in front of a registry that misbehaves on cue: answers some requests itself (429, a
// refusal), or cuts a request body after some bytes, and forwards everything else unchanged.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { listenOnLoopback } from './proxy.js';

export type Fault =
  | { answer: number; headers?: Record<string, string>; body?: string }
  | { cutAfter: number };

export interface FaultProxy {
  host: string;
  /** `METHOD path STATUS` of every exchange, status 'cut' for a cut body. */
  log: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamPort: number, fault: (req: IncomingMessage) => Fault | undefined): Promise<FaultProxy> {
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const f = fault(req);
    const what = `${req.method} ${req.url?.split('?')[0]}`;
    if (f && 'answer' in f) {
      log.push(`${what} ${f.answer}`);
      req.resume();
      res.writeHead(f.answer, { 'content-type': 'application/json', ...f.headers }).end(f.body ?? '');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      log.push(`${what} ${up.statusCode}`);
      res.writeHead(up.statusCode ?? 502, up.headers);
      pipeline(up, res).catch(() => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    if (f && 'cutAfter' in f) {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        const room = f.cutAfter - seen;
        seen += chunk.length;
        if (room > 0) upstream.write(chunk.subarray(0, room));
        if (seen >= f.cutAfter) {
          log.push(`${what} cut`);
          req.removeAllListeners('data');
          // Let the registry keep what it got, then drop both sides as a broken network would.
          setTimeout(() => {
            upstream.destroy();
            req.socket.destroy();
          }, 200);
        }
      });
      return;
    }
    pipeline(req, upstream).catch(() => upstream.destroy());
  });
  return { ...(await listenOnLoopback(server)), log };
}
