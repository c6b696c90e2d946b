// Bandwidth caps: a stage around route() that wraps the body stream of blob GETs, so blob bytes go
// out at most at --max-bandwidth for the whole seed and --max-client-bandwidth per client address.
// Manifests, tag lists, /v2/ and health never wait: a node that is pulling layers slowly still
// resolves its next image at once (Spegel gives its mirrors a 200 ms dial timeout). Configured once
// at start; the route table and the blob handler do not know about it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraMetric } from './http-stats.js';
import { handlerOf } from './metrics.js';
import type { Stage } from './stages.js';
import { TokenBucket } from './token-bucket.js';

export interface BandwidthCaps {
  /** Bytes per second for every blob transfer together. */
  seed?: number;
  /** Bytes per second for the blob transfers of one client address. */
  client?: number;
}

/** What /metrics reports: seconds blob writes waited, per cap. */
export interface ThrottleStats {
  seedSeconds: number;
  clientSeconds: number;
}

interface ClientBucket {
  bucket: TokenBucket;
  transfers: number;
}

type Write = ServerResponse['write'];
type Callback = (error?: Error | null) => void;

export class Throttle {
  readonly stats: ThrottleStats = { seedSeconds: 0, clientSeconds: 0 };
  private readonly seed?: TokenBucket;
  /**
   * One bucket per client address, kept while it has a transfer under way and until it has refilled
   * after the last one: a client fetching small blobs one after another gets no fresh burst each time.
   */
  private readonly clients = new Map<string, ClientBucket>();

  /** `burst` (bytes) overrides the buckets' default, for tests that use small blobs. */
  constructor(
    readonly caps: BandwidthCaps,
    private readonly now: () => number = () => performance.now(),
    private readonly burst?: number,
  ) {
    if (caps.seed !== undefined) this.seed = new TokenBucket(caps.seed, now, burst);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The stage: blob GETs have their writes paced; everything else passes untouched. */
  stage(): Stage {
    return (next) => (req, res) => {
      if (req.method !== 'GET' || handlerOf(req.url ?? '/') !== 'blobs') return next(req, res);
      const release = this.pace(req, res);
      return next(req, res).finally(release);
    };
  }

  /** Replaces `res.write` with one that waits for the caps; returns what to call when the transfer ends. */
  private pace(req: IncomingMessage, res: ServerResponse): () => void {
    // Read now: a closed socket no longer knows its peer's address.
    const address = clientAddress(req);
    const client = this.caps.client === undefined ? undefined : this.acquire(address);
    const write = res.write.bind(res) as (chunk: Buffer, callback?: Callback) => boolean;
    res.write = ((chunk: Buffer | string, encoding?: BufferEncoding | Callback, callback?: Callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
      this.send(res, write, bytes, client?.bucket, done);
      // The read loop waits for each write's callback, not for 'drain'.
      return true;
    }) as Write;
    let released = false;
    return () => {
      if (released || client === undefined) return;
      released = true;
      if (--client.transfers === 0) this.forgetWhenFull(address, client);
    };
  }

  /** The client's cap first, then the seed's: the seed's share goes only to a client allowed to send. */
  private send(res: ServerResponse, write: (c: Buffer, cb?: Callback) => boolean, bytes: Buffer, client: TokenBucket | undefined, done?: Callback): void {
    const toSeed = () => {
      const wait = this.seed?.reserve(bytes.length) ?? 0;
      this.stats.seedSeconds += wait / 1000;
      later(wait, () => (res.destroyed ? done?.(new Error('the client went away')) : write(bytes, done)));
    };
    const wait = client?.reserve(bytes.length) ?? 0;
    this.stats.clientSeconds += wait / 1000;
    later(wait, () => (res.destroyed ? done?.(new Error('the client went away')) : toSeed()));
  }

  private forgetWhenFull(address: string, entry: ClientBucket): void {
    const forget = () => {
      if (entry.transfers === 0 && this.clients.get(address) === entry) this.clients.delete(address);
    };
    const ms = entry.bucket.msUntilFull();
    if (ms <= 0) forget();
    else setTimeout(forget, ms).unref();
  }

  private acquire(address: string): ClientBucket {
    let entry = this.clients.get(address);
    if (entry === undefined) this.clients.set(address, (entry = { bucket: new TokenBucket(this.caps.client!, this.now, this.burst), transfers: 0 }));
    entry.transfers++;
    return entry;
  }
}

function later(ms: number, run: () => void): void {
  if (ms <= 0) run();
  else setTimeout(run, ms);
}

/** `::ffff:10.0.0.7` and `10.0.0.7` are one client (a dual-stack listener reports the first). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The caps on /metrics: the limits, the waiting they caused, the clients holding a bucket. */
export function throttleMetrics(throttle: Throttle): ExtraMetric[] {
  const { seed, client } = throttle.caps;
  const limits = [...(seed !== undefined ? [{ labels: { cap: 'seed' }, value: seed }] : []), ...(client !== undefined ? [{ labels: { cap: 'client' }, value: client }] : [])];
  return [
    { name: 'seed_registry_bandwidth_limit_bytes', help: 'Blob bytes per second allowed, for the whole seed and per client address', type: 'gauge', values: () => limits },
    {
      name: 'seed_registry_throttled_seconds_total',
      help: 'Seconds blob writes waited for a bandwidth cap, summed over transfers',
      type: 'counter',
      values: () => [
        { labels: { cap: 'seed' }, value: throttle.stats.seedSeconds },
        { labels: { cap: 'client' }, value: throttle.stats.clientSeconds },
      ],
    },
    { name: 'seed_registry_throttled_clients', help: 'Client addresses with a bandwidth bucket (a transfer under way, or refilling)', type: 'gauge', values: () => [{ labels: {}, value: throttle.clientCount }] },
  ];
}
