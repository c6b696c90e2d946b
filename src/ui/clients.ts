// Who pulls what: one record per client address, kept by a stage outside auth (so refused
// requests count too) and read only when someone looks at the page. Per request it costs a map
// lookup and a few comparisons; bytes in flight are read off the socket when the page asks, not
// counted per chunk.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseBasic } from '../registry/basic.js';
import type { Stage } from '../registry/stages.js';

/** Past this many addresses the oldest are forgotten: a scanner cannot grow the table without bound. */
const MAX_CLIENTS = 4096;
const MAX_EVENTS = 200;

export type EventKind = 'denied' | 'not-found' | 'error' | 'cut' | 'tls' | 'reload' | 'throttled';

export interface SeedEvent {
  time: string;
  kind: EventKind;
  address?: string;
  user?: string;
  message: string;
}

export interface Transfer {
  digest: string;
  /** The first byte asked for (`Range: bytes=N-`), 0 for the whole blob. */
  from: number;
  res: ServerResponse;
  /** The socket's bytesWritten when the transfer began; a keep-alive socket carries one response at a time. */
  start: number;
  client: ClientRecord;
}

export interface ClientRecord {
  address: string;
  user?: string;
  /** The Authorization header the user name was read from: decoded again only when it changes. */
  authorization?: string;
  firstSeen: number;
  lastSeen: number;
  requests: number;
  errors: number;
  /** Blob bytes of finished transfers (cut ones included, by what got out). */
  bytes: number;
  /** Paths of manifest requests answered 200, as asked (resolved against the model when the page reads them). */
  manifests: Set<string>;
  /** The last path added to `manifests`. */
  lastManifest?: string;
  /** Dropped from the table (past MAX_CLIENTS): a connection that still holds it looks its address up again. */
  forgotten: boolean;
  /** Blob digest → the furthest byte offset a finished 200/206 reached (the blob is whole when it reaches its size). */
  blobs: Map<string, number>;
  transfers: Set<Transfer>;
  /** The last time the page read this client's bytes, for its rate. */
  sample?: { at: number; bytes: number; rate: number };
}

/** "Last seen" needs no finer clock than this: read from a field, not Date.now(), per request. */
const CLOCK_MS = 250;

export class ClientTracker {
  readonly clients = new Map<string, ClientRecord>();
  readonly events: SeedEvent[] = [];
  private readonly bySocket = new WeakMap<Socket, ClientRecord>();
  private now = Date.now();

  constructor() {
    setInterval(() => (this.now = Date.now()), CLOCK_MS).unref();
  }

  event(e: Omit<SeedEvent, 'time'>): void {
    this.events.push({ time: new Date().toISOString(), ...e });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /**
   * The record of the client `req` comes from. Found through its connection: reading the address
   * (Socket#remoteAddress) costs more than the rest of this stage, so it is read once a connection.
   */
  seen(req: IncomingMessage): ClientRecord {
    const now = this.now;
    let c = this.bySocket.get(req.socket);
    if (c === undefined || c.forgotten) this.bySocket.set(req.socket, (c = this.record(req.socket.remoteAddress ?? 'unknown', now)));
    c.lastSeen = now;
    c.requests++;
    const authorization = req.headers.authorization;
    if (authorization !== c.authorization) {
      c.authorization = authorization;
      c.user = authorization === undefined ? undefined : parseBasic(authorization)?.user;
    }
    return c;
  }

  private record(address: string, now: number): ClientRecord {
    let c = this.clients.get(address);
    if (c === undefined) {
      if (this.clients.size >= MAX_CLIENTS) {
        const oldest = this.clients.values().next().value!;
        oldest.forgotten = true;
        this.clients.delete(oldest.address);
      }
      c = { address, firstSeen: now, lastSeen: now, requests: 0, errors: 0, bytes: 0, manifests: new Set(), lastManifest: undefined, blobs: new Map(), transfers: new Set(), forgotten: false };
      this.clients.set(address, c);
    }
    return c;
  }

  /** Bytes of `t` that reached the socket so far (headers included: an estimate, clipped to `size`, the blob's). */
  static progress(t: Transfer, size: number): number {
    const written = (t.res.socket?.bytesWritten ?? t.start) - t.start;
    return Math.max(0, Math.min(size - t.from, written));
  }
}

/**
 * /v2/<name>/blobs/<digest>: `/blobs` before the last slash, compared in place. The last slash is
 * found by a loop: String#lastIndexOf is a call into V8's runtime, the costliest line of this stage.
 * The narrow twin of metrics' handlerOf(): a version calling that here on every GET (with around()
 * also made simpler) counted 2.8% more instructions per manifest GET with the page, against 1.3%
 * with this (`npm run bench -- --ui --ui-count`).
 */
function isBlobPath(url: string): boolean {
  let last = url.length - 1;
  while (last > 0 && url.charCodeAt(last) !== 0x2f) last--;
  return last > 10 && url.startsWith('/blobs', last - 6) && url.startsWith('/v2/');
}

/** The digest a /v2/<name>/blobs/<digest> path names, without its query. */
function blobDigest(url: string): string {
  const at = url.lastIndexOf('/blobs/') + '/blobs/'.length;
  const q = url.indexOf('?', at);
  return q < 0 ? url.slice(at) : url.slice(at, q);
}

/** The first byte of `Range: bytes=N-...`; 0 without a range. */
function rangeStart(range: string | undefined): number {
  const m = range === undefined ? null : /^bytes=(\d+)-/.exec(range);
  return m === null ? 0 : Number(m[1]);
}

/**
 * Outside auth: refused requests are recorded too. Only /v2/ requests are; the page's own are not.
 * Before a request, only a blob GET does anything (its transfer, so the page sees it in flight);
 * every other request is recorded once, after it is answered, from the promise around() makes per
 * request anyway (Stage.after): a manifest answered 200 keeps its path as asked (resolved when the
 * page reads it), a failure is an event. No promise, listener or second lookup of its own per request.
 */
export function trackerStage(tracker: ClientTracker): Stage {
  const transfers = new WeakMap<ServerResponse, Transfer>();
  const stage: Stage = (next) => (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && isBlobPath(url)) {
      const transfer: Transfer = { digest: blobDigest(url), from: rangeStart(req.headers.range), res, start: req.socket.bytesWritten, client: tracker.seen(req) };
      transfer.client.transfers.add(transfer);
      transfers.set(res, transfer);
    }
    return next(req, res);
  };
  stage.after = (req, res, bytes) => {
    const transfer = transfers.get(res);
    let client: ClientRecord;
    if (transfer !== undefined) finishTransfer(tracker, (client = transfer.client), transfer, res, bytes);
    else {
      const url = req.url ?? '';
      if (!url.startsWith('/v2/')) return;
      client = tracker.seen(req);
      // The same manifest again (a node's runtime asks for each image more than once) skips hashing its path.
      if (res.statusCode === 200 && url !== client.lastManifest && url.includes('/manifests/')) client.manifests.add((client.lastManifest = url));
    }
    // A 401 to a request without credentials is the challenge every client starts with, not a failure.
    if (res.statusCode >= 400 && !(res.statusCode === 401 && req.headers.authorization === undefined)) failed(tracker, client, req, res.statusCode);
  };
  return stage;
}

function finishTransfer(tracker: ClientTracker, client: ClientRecord, t: Transfer, res: ServerResponse, bytes: number): void {
  client.transfers.delete(t);
  client.bytes += bytes;
  if (res.statusCode === 200 || res.statusCode === 206) client.blobs.set(t.digest, Math.max(client.blobs.get(t.digest) ?? 0, t.from + bytes));
  if (res.statusCode < 300 && !res.writableFinished) {
    tracker.event({ kind: 'cut', address: client.address, ...(client.user !== undefined && { user: client.user }), message: `blob ${t.digest} cut after ${bytes} bytes` });
  }
}

function failed(tracker: ClientTracker, client: ClientRecord, req: IncomingMessage, status: number): void {
  client.errors++;
  const kind: EventKind = status === 401 || status === 403 ? 'denied' : status === 404 ? 'not-found' : status === 429 ? 'throttled' : 'error';
  const who = client.user !== undefined ? ` (user ${client.user})` : '';
  tracker.event({ kind, address: client.address, ...(client.user !== undefined && { user: client.user }), message: `${status} ${req.method ?? ''} ${req.url ?? ''}${who}` });
}
