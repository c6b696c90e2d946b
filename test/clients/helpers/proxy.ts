// A recording pass-through in front of seed-registry: shows which URLs a client really requested.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface RecordingProxy {
  host: string;
  /** `METHOD url` of every request seen, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstreamPort: number): Promise<RecordingProxy> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        pipeline(up, res).catch(() => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    pipeline(req, upstream).catch(() => upstream.destroy());
  });
  return { ...(await listenOnLoopback(server)), requests };
}

/** Listens on 127.0.0.1 at a free port: the `host:port` clients use, and a close that cuts open connections. */
export async function listenOnLoopback(server: Server): Promise<{ host: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
