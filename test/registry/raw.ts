// Raw HTTP/1.1 over node:net, for what an HTTP client library would not send or would hide:
// half-closes, pipelining, garbage after valid requests, bodies sent slowly.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Exchange {
  /** Every response the server sent, in order (each must carry Content-Length). */
  responses: RawResponse[];
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
  /** Milliseconds from the first write to the close (or to the end of the wait). */
  ms: number;
}

export interface ExchangeOptions {
  /** Half-close (FIN) after the last write. */
  halfClose?: boolean;
  /** Give up waiting for the close after this long (the socket is then destroyed). */
  waitMs?: number;
}

/** Writes `parts` one after another on one connection and collects what comes back. */
export function exchange(port: number, parts: (string | Buffer)[], options: ExchangeOptions = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      for (const part of parts) socket.write(part);
      if (options.halfClose) socket.end();
    });
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(chunks)), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
  });
}

/** Splits a byte stream into responses (none to a HEAD); a response cut short keeps the body it has. */
export function parseResponses(bytes: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd === -1) throw new Error(`incomplete response head: ${JSON.stringify(bytes.subarray(at, at + 200).toString())}`);
    const [statusLine = '', ...lines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = status === 100 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({ status, headers, body: bytes.subarray(bodyStart, Math.min(bytes.length, bodyStart + length)) });
    at = bodyStart + length;
  }
  return responses;
}
