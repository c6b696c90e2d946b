// createRegistry: the image model served over the OCI distribution pull API with node:http.
// Each request: parse (no I/O) → handler returns a Reply or throws → sendReply writes it.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { serverCipherOptions } from '../tls/ciphers.js';
import type { AddressInfo } from 'node:net';
import type { ImageModel, Platform } from '../model.js';
import { getBlob } from './blobs.js';
import { guardConnections } from './connections.js';
import { requireHost } from './host.js';
import { RegistryError } from './errors.js';
import { ContentType, Header } from './headers.js';
import { getCatalog, getTags } from './listing.js';
import { accessLog } from './access-log.js';
import { LogLimiter } from './log-limit.js';
import { silentLogger, type LogEvent, type Logger } from './log.js';
import { getManifest } from './manifests.js';
import { getReferrers } from './referrers.js';
import { EMPTY, jsonReply, type Reply } from './reply.js';
import { parseRequest, type Route } from './request.js';
import { errorReply, sendReply, sentLength, unavailable } from './respond.js';
import type { Served } from './served.js';
import { around, type Stage } from './stages.js';
import { ShortReadError } from '../source/files.js';
import { FileChangedError, type OnFileChanged } from '../source/pinned.js';
import type { FileIdentity } from '../source/identity.js';
import { ShortReadLog } from './short-reads.js';
import { noteResponse } from './access-log.js';
import { watchTls } from './tls-errors.js';
import { RetiredSnapshots } from './retired.js';
import { openSnapshot, type Snapshot, type SnapshotOptions } from './snapshot.js';

export interface RegistryOptions {
  /** The platform served when a tag names an index and the client accepts no index (default linux/amd64). */
  platform?: Platform;
  logger?: Logger;
  /** Bytes per positioned read of a blob (default READ_CHUNK); for measurements. */
  readChunk?: number;
  timeouts?: Partial<Timeouts>;
  /** Serve HTTPS with this certificate (PEM; a chain after the leaf is sent whole) and key. */
  tls?: { cert: string; key: string };
  /** Auth, health, metrics: wrapped around the handler, first one outermost. */
  stages?: readonly Stage[];
  /** Identity of each tar file when it was indexed: a file changed in place stops being served from. */
  pinned?: ReadonlyMap<string, FileIdentity>;
  /** Told once per snapshot and file when a check finds the file changed since it was indexed. */
  onFileChanged?: OnFileChanged;
  /** How long a replaced snapshot still answers by digest (default PULL_GRACE_MS); for tests. */
  pullGraceMs?: number;
}

/** A silent client cannot hold a socket: headers within 15 s, idle keep-alive 5 s, no progress 60 s. */
export interface Timeouts {
  headersMs: number;
  keepAliveMs: number;
  /** A socket with no traffic either way for this long is closed, mid-response too. */
  idleMs: number;
}

const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 15_000, keepAliveMs: 5_000, idleMs: 60_000 };
/** How often node checks headersTimeout; its default (30 s) would double the limit. */
const CHECK_INTERVAL_MS = 1_000;

export interface Registry {
  server: Server;
  /** The current snapshot's tables. */
  readonly served: Served;
  /** Builds a snapshot of `model` beside the current one and makes it current; the old one closes after its transfers. */
  swap(model: ImageModel, pinned?: ReadonlyMap<string, FileIdentity>): Promise<void>;
  /** Files of the current snapshot changed since they were indexed (`path: problem`); empty when it is whole. */
  changedFiles(): string[];
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stop accepting, let transfers finish for up to `graceMs`, then cut the rest and close the tar files. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_GRACE_MS = 5_000;
/** How long close() waits for the access lines of cut transfers. */
const SETTLE_MS = 1_000;
const IDLE_SWEEP_MS = 100;

export async function createRegistry(model: ImageModel, options: RegistryOptions = {}): Promise<Registry> {
  const snapshotOptions = (pinned?: ReadonlyMap<string, FileIdentity>): SnapshotOptions => ({
    ...(options.platform && { platform: options.platform }),
    ...(options.readChunk !== undefined && { readChunk: options.readChunk }),
    ...(pinned && { pinned }),
    ...(options.onFileChanged && { onFileChanged: options.onFileChanged }),
  });
  // The one reference a swap replaces; each request reads it once.
  let current = await openSnapshot(model, { ...snapshotOptions(options.pinned), beforeServing: true });
  const retired = new RetiredSnapshots(options.pullGraceMs);
  const logger = options.logger ?? silentLogger;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const shortReads = new ShortReadLog(logger);
  const limiter = new LogLimiter(logger);
  // Timing and the close listener cost ~10% of manifest throughput; no access stage under --quiet.
  const access = logger.logsAccess ? accessLog(logger, limiter) : undefined;
  const stages = [...(access ? [access.stage] : []), requireHost, ...(options.stages ?? [])];
  const handler = around((req, res) => handle(current, retired, logger, shortReads, req, res), stages);
  const listener = (req: IncomingMessage, res: ServerResponse) => void handler(req, res);
  // Host is checked by requireHost, which answers with an OCI error body.
  const serverOptions = { connectionsCheckingInterval: CHECK_INTERVAL_MS, requireHostHeader: false };
  // TLS is only how the server is made; https.Server has every http.Server method used below.
  const server = options.tls ? (createTlsServer({ ...serverOptions, ...serverCipherOptions(), ...options.tls }, listener) as unknown as Server) : createServer(serverOptions, listener);
  guardConnections(server);
  if (options.tls) watchTls(server, logger, limiter, timeouts.headersMs);
  server.headersTimeout = timeouts.headersMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.idleMs);
  return {
    server,
    get served() {
      return current.served;
    },
    async swap(next, pinned) {
      const previous = current;
      current = await openSnapshot(next, snapshotOptions(pinned));
      retired.add(previous);
    },
    changedFiles: () => current.files.checkAll(),
    listen: (port, host) => listen(server, port, host),
    close: async (graceMs = DEFAULT_GRACE_MS) => {
      await closeServer(server, graceMs, (transfers) => {
        access?.cutting();
        logger.event(cutEvent(transfers, graceMs));
      });
      // The cut transfers' lines are written before the caller exits.
      await Promise.race([access?.settled(), new Promise((resolve) => setTimeout(resolve, SETTLE_MS).unref())]);
      await retired.close();
      await current.retire();
    },
  };
}

export function route(served: Served, r: Route): Reply {
  switch (r.kind) {
    case 'root':
      return { status: 200, headers: {}, body: EMPTY };
    case 'redirect':
      return { status: 301, headers: { [Header.location]: r.location }, body: EMPTY };
    case 'base':
      return jsonReply(200, {}, ContentType.json);
    case 'catalog':
      return getCatalog(served, r);
    case 'tags':
      return getTags(served, r);
    case 'manifest':
      return getManifest(served, r);
    case 'blob':
      return getBlob(served, r);
    case 'referrers':
      return getReferrers(served, r);
    case 'not-found':
      return { status: 404, headers: {}, body: EMPTY };
  }
}

async function handle(
  current: Snapshot,
  retired: RetiredSnapshots,
  logger: Logger,
  shortReads: ShortReadLog,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<number> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  let bytes = 0;
  // The log line and the blob-bytes metric count what got out, not what was promised.
  const delivered = { bytes: 0 };
  const head = method === 'HEAD';
  let snapshot = current;
  let reply = answer(current.served, logger, method, path, req.headers);
  // Unknown here, maybe known to the content a pull under way started with (./retired.ts).
  if (reply.status === 404 && retired.size > 0) ({ snapshot, reply } = retired.find((s) => byDigest(s.served, method, path, req.headers)) ?? { snapshot, reply });
  const { files } = snapshot;
  // A blob of a file changed since it was indexed: 503 before any header (never a wrong byte).
  const changed = reply.body.kind === 'source' ? files.problem(reply.body.source) : undefined;
  if (changed !== undefined) reply = unavailable(changed);
  bytes = sentLength(reply, head);
  if (reply.note !== undefined) noteResponse(res, reply.note);
  const holds = reply.body.kind === 'source' && reply.body.source.kind !== 'memory' && !head;
  // Only a transfer reads the files after this point: it keeps its snapshot (and files) until it ends.
  if (holds) snapshot.acquire();
  try {
    await sendReply(res, reply, head, files, delivered);
  } catch (error) {
    bytes = delivered.bytes;
    // Headers are out: the only honest signal left is a cut connection.
    if (error instanceof ShortReadError && reply.body.kind === 'source') shortReads.report(error, reply.body.digest);
    else if (!clientWentAway(res, error) && !(error instanceof FileChangedError)) logger.error(`${method} ${path}: response failed`, error);
    res.destroy();
  } finally {
    if (holds) snapshot.release();
  }
  return bytes;
}

/** The reply to a request: a handler's, a registry error's, or a logged 500 for anything else. */
function answer(served: Served, logger: Logger, method: string, path: string, headers: IncomingHttpHeaders): Reply {
  try {
    return route(served, parseRequest(method, path, headers).route);
  } catch (error) {
    if (error instanceof RegistryError) return errorReply(error);
    logger.error(`${method} ${path}`, error);
    return errorReply(new RegistryError('UNKNOWN'));
  }
}

/** A blob, or a manifest by digest, as `served` answers it; undefined for anything else or when unknown there. */
function byDigest(served: Served, method: string, path: string, headers: IncomingHttpHeaders): Reply | undefined {
  try {
    const r = parseRequest(method, path, headers).route;
    if (r.kind !== 'blob' && !(r.kind === 'manifest' && 'digest' in r.reference)) return undefined;
    return route(served, r);
  } catch {
    return undefined;
  }
}

const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'EPIPE', 'ECONNRESET']);

/** A client leaving mid-transfer is ordinary (docker cancels, ctr retries), not an error to log. */
function clientWentAway(res: ServerResponse, error: unknown): boolean {
  return res.destroyed || CLIENT_GONE.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function listen(server: Server, port: number, host?: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** `onCut(n)`: the grace ran out with n connections still transferring, about to be cut. */
async function closeServer(server: Server, graceMs: number, onCut: (transfers: number) => void): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A connection whose transfer just finished goes idle: close it then, not at keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  server.closeIdleConnections();
  const cut = setTimeout(() => {
    server.closeIdleConnections();
    // Idle connections were just closed: what is left is transferring.
    server.getConnections((error, count) => {
      if (!error && count > 0) onCut(count);
      server.closeAllConnections();
    });
  }, graceMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(cut);
}

function cutEvent(transfers: number, graceMs: number): LogEvent {
  const what = `${transfers} transfer${transfers === 1 ? '' : 's'}`;
  return {
    event: 'shutdown-cut',
    message: `shutdown: cutting ${what} still running after ${graceMs / 1000} s (clients retry: docker resumes a blob, containerd starts it again)`,
    fields: { transfers, graceSeconds: graceMs / 1000 },
  };
}
