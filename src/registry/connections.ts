// Connection-level behaviour that node:http leaves to the application, chosen after nginx and Go's
// net/http. Installed once on the server; the route table and handlers know nothing of it.
//  - A client that half-closes after its request still gets the whole response (then the close).
//  - A request that cannot be parsed is answered (400, 431, 505...) only after the responses to the
//    requests pipelined before it, then the connection is closed; node would drop them all.
//  - A request with a body we will not read (every write: the registry is read-only) is answered at
//    once with Connection: close, so the socket is not held until the body ends or times out; an
//    `Expect: 100-continue` is not answered with 100, so the body is never invited.
//  - CONNECT gets a 405 with an OCI body instead of a dropped connection.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { errorBody, RegistryError } from './errors.js';
import { COMMON_HEADERS, ContentType, Header, READ_METHODS } from './headers.js';

/** After the last answer on a broken connection, how long the client may keep sending before the socket is cut. */
const LINGER_MS = 2_000;

/** Parser errors (llhttp codes, node's timeout) whose status is not 400. */
const STATUS_OF: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  // An HTTP/2 connection preface: this server speaks HTTP/1.1 only (Go's net/http answers 505 too).
  HPE_PAUSED_H2_UPGRADE: 505,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  505: 'HTTP Version Not Supported',
};

export function guardConnections(server: Server): void {
  // Undocumented but long-standing (node's own tests use it): without it node ends the socket on
  // the client's FIN, under a blob response still being streamed. Pinned by test/registry/connections.test.ts.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.prependListener('request', closeUnreadBody);
  server.prependListener('connection', settlePeer);
  server.prependListener('secureConnection', settlePeer);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.on('clientError', answerClientError);
  server.on('connect', refuseConnect);
}

/**
 * Node keeps a socket's peer address in a property it adds on the first read of remoteAddress. Read
 * per request by some stages (access log, the page's client table, caps) and not others, it gives
 * sockets two shapes part-way through their life, and Node's own stream code then runs polymorphic:
 * counted with callgrind, +8% instructions per manifest GET. Read once as each connection opens,
 * every socket has its one shape before any request code sees it.
 */
function settlePeer(socket: Socket): void {
  void socket.remoteAddress;
}

/** No handler reads a body: answering and closing beats holding the socket until the body ends. */
function closeUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (hasBody(req)) res.setHeader('Connection', 'close');
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const answered = new WeakSet<Duplex>();

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser reports again on every later chunk; one answer per connection.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = STATUS_OF[error.code ?? ''] ?? 400;
  const body = `${status} ${REASON[status]}\n`;
  afterResponses(socket, () => closeWith(socket, rawResponse(status, { [Header.contentType]: ContentType.text }, Buffer.from(body))));
}

/**
 * Runs `then` once the socket has no response in flight. node writes pipelined responses one at a
 * time: `_httpMessage` is the one on the socket (node's own clientError default reads it too), and
 * when it finishes node hands the socket to the next queued one at once. Read here rather than
 * counting responses per request, which costs a listener on every request of the hot path.
 */
function afterResponses(socket: Duplex, then: () => void): void {
  const current = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (current === undefined || current === null || socket.destroyed) return then();
  current.once('close', () => setImmediate(() => afterResponses(socket, then)));
}

function refuseConnect(req: IncomingMessage, socket: Duplex): void {
  const error = new RegistryError('UNSUPPORTED', { method: req.method, path: req.url, readOnly: false });
  const headers = { ...COMMON_HEADERS, [Header.contentType]: ContentType.json, [Header.allow]: READ_METHODS };
  closeWith(socket, rawResponse(405, headers, errorBody(error)));
}

function rawResponse(status: number, headers: Record<string, string>, body: Buffer): Buffer {
  const lines = [`HTTP/1.1 ${status} ${REASON[status]}`, 'Connection: close', `Content-Length: ${body.length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

/**
 * Sends the last bytes and a FIN, but keeps reading for a moment: closing with unread bytes from
 * the client makes the kernel send a reset, which can destroy the answer before it is read.
 */
function closeWith(socket: Duplex, bytes: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(bytes);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
